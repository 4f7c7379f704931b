"""`Op`: an operation on variables, with its evaluation, derivatives and shape rules."""

from __future__ import annotations

from typing import ClassVar

from theano.graph.basic import Apply


class Op:
    """Base class of all operations.

    An op builds nodes with `make_node`, computes them with `perform` (or emits its
    own Python source with `py_code`), differentiates with `grad`/`L_op` (reverse)
    and `R_op` (forward), and infers output shapes with `infer_shape`.

    Ops with equal ``__props__`` values are equal, so identical nodes can merge.
    """

    __props__: tuple[str, ...] = ()
    default_output: int | None = None
    view_map: ClassVar[dict[int, list[int]]] = {}
    destroy_map: ClassVar[dict[int, list[int]]] = {}

    # -- construction -------------------------------------------------------------
    def make_node(self, *inputs) -> Apply:
        raise NotImplementedError(f"{type(self).__name__}.make_node")

    def __call__(self, *inputs, **kwargs):
        node = self.make_node(*inputs, **kwargs)
        if self.default_output is not None:
            return node.outputs[self.default_output]
        if len(node.outputs) == 1:
            return node.outputs[0]
        return node.outputs

    # -- evaluation ---------------------------------------------------------------
    def perform(self, node, inputs, output_storage):
        """Compute outputs from input values: store ``output_storage[i][0] = value``."""
        raise NotImplementedError(f"{type(self).__name__}.perform")

    def py_code(self, node, inames, onames, ctx):
        """Return Python source computing ``onames`` from ``inames``, or ``None``.

        ``ctx.ref(obj)`` returns a global name bound to ``obj`` in the generated code.
        ``None`` makes the linker call `perform`.
        """
        return

    def do_constant_folding(self, node) -> bool:
        return True

    # -- derivatives --------------------------------------------------------------
    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} has no gradient")

    def L_op(self, inputs, outputs, output_grads):
        return self.grad(inputs, output_grads)

    def R_op(self, inputs, eval_points):
        raise NotImplementedError(f"{self} has no R_op (forward-mode derivative)")

    def connection_pattern(self, node):
        """``[[input i connected to output j]]``; ``None`` means fully connected."""
        return

    # -- shapes -------------------------------------------------------------------
    def infer_shape(self, node, input_shapes):
        raise NotImplementedError(f"{self}.infer_shape")

    # -- identity -----------------------------------------------------------------
    def _props(self):
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other):
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self):
        return hash((type(self), self._props()))

    def __str__(self):
        if not self.__props__:
            return type(self).__name__
        inner = ", ".join(f"{p}={getattr(self, p)}" for p in self.__props__)
        return f"{type(self).__name__}{{{inner}}}"

    __repr__ = __str__


class PurePythonOp(Op):
    """Alias kept for old code that subclassed ``gof.PureOp``."""


PureOp = PurePythonOp
