"""`Composite`: a graph of scalar ops used as one scalar op (what elementwise fusion builds)."""

from __future__ import annotations

import numpy as np

from theano.graph.basic import Apply, Constant, io_toposort
from theano.scalar.basic import (
    CONTINUOUS_DTYPES,
    DISCRETE_DTYPES,
    Cast,
    ScalarOp,
    ScalarType,
    Switch,
)


def numpy_result_dtype(op, in_dtypes) -> str:
    """The dtype NumPy gives when ``op``'s implementation runs on arrays of ``in_dtypes``."""
    with np.errstate(all="ignore"):
        args = [np.ones(1, dtype=d) for d in in_dtypes]
        return str(np.asarray(op.impl(*args)).dtype)


class Composite(ScalarOp):
    """The scalar graph from ``inputs`` to ``outputs`` as a single scalar op.

    Its source is the inner ops' expressions nested into one, with a cast wherever
    NumPy's own dtype would differ from the graph's.
    """

    __props__ = ("key",)

    def __init__(self, inputs, outputs):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.nin = len(inputs)
        self.nout = len(outputs)
        self.nodes = io_toposort(self.inputs, self.outputs)
        self.key = self._signature()

    def _signature(self):
        index = {v: f"i{k}" for k, v in enumerate(self.inputs)}
        parts = []
        for n, node in enumerate(self.nodes):
            args = []
            for v in node.inputs:
                if v in index:
                    args.append(index[v])
                elif isinstance(v, Constant):
                    args.append((v.type.dtype, np.asarray(v.data).item()))
            parts.append((node.op, tuple(args), tuple(o.type.dtype for o in node.outputs)))
            for k, o in enumerate(node.outputs):
                index[o] = f"n{n}.{k}"
        return (
            tuple(v.type.dtype for v in self.inputs),
            tuple(parts),
            tuple(index[o] for o in self.outputs),
        )

    def make_node(self, *inputs):
        from theano.scalar.basic import as_scalar

        inputs = [as_scalar(i) for i in inputs]
        return Apply(self, inputs, [ScalarType(o.type.dtype)() for o in self.outputs])

    def output_dtypes(self, *dtypes):
        return [o.type.dtype for o in self.outputs]

    def _expressions(self, inames, ctx, text=False):
        exprs = dict(zip(self.inputs, inames))
        for node in self.nodes:
            args = self._arguments(node, exprs)
            if text:
                expr = _infix(node.op, args)
            else:
                expr, _direct = _numpy_expr(node, args, ctx)
            exprs[node.outputs[0]] = expr
        return [exprs[o] for o in self.outputs]

    @staticmethod
    def _arguments(node, exprs):
        args = []
        for v in node.inputs:
            if v not in exprs:
                exprs[v] = repr(v.data.item()) if isinstance(v, Constant) else str(v)
            args.append(exprs[v])
        return args

    def ends_in_ufunc(self) -> bool:
        """True when the (single) output is computed by a ufunc giving its dtype itself:
        then it can be written into an existing array without a copy."""
        node = self.outputs[0].owner
        if len(self.outputs) != 1 or node is None or node not in self.nodes:
            return False
        return _numpy_expr(node, [f"a{k}" for k in range(len(node.inputs))], _Refs())[1]

    def inplace_lines(self, inames, k, ctx):
        """Statements computing the (single) output into the array named ``inames[k]``.

        Each inner op is one statement. An op that is a ufunc giving the output's dtype
        writes into that array (``out=``) once no value living in the array has a later
        reader, so a chain like ``tanh(x + b)`` makes no temporary at all; other ops
        make one, as the nested expression would. The result of an op reading the
        array may be a view of it (``identity``, ``real``): it counts as living there.
        """
        (output,) = self.outputs
        target, dtype = inames[k], output.type.dtype
        readers = {}
        for node in self.nodes:
            for v in node.inputs:
                readers[v] = readers.get(v, 0) + 1
        readers[output] = readers.get(output, 0) + 1
        exprs = dict(zip(self.inputs, inames))
        living = {self.inputs[k]}  # the values whose memory is the target array's
        lines = []
        for node in self.nodes:
            args = self._arguments(node, exprs)
            expr, direct = _numpy_expr(node, args, ctx)
            for v in node.inputs:
                readers[v] -= 1
            out = node.outputs[0]
            free = all(readers.get(v, 0) == 0 for v in living)
            if direct and out.type.dtype == dtype and free:
                ufunc = node.op.ufunc
                lines.append(f"{ctx.ref(ufunc, ufunc.__name__)}({', '.join(args)}, out={target})")
                exprs[out], living = target, {out}
            else:
                if any(v in living for v in node.inputs):
                    living.add(out)
                exprs[out] = ctx.local(f"{target}_t")
                lines.append(f"{exprs[out]} = {expr}")
        if exprs[output] != target:
            lines.append(f"{target}[...] = {exprs[output]}")
        return lines

    def py_expr(self, inames, ctx):
        return self._expressions(inames, ctx)[0]

    def impl(self, *args):
        fn = self.__dict__.get("_fn")
        if fn is None:
            fn = self.__dict__["_fn"] = _compile(self)
        return fn(*args)

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError("Composite is built by rewrites after differentiation")

    @property
    def name(self):
        return "Composite{" + ", ".join(self._expressions(
            [f"i{k}" for k in range(self.nin)], None, text=True)) + "}"  # fmt: skip

    def __str__(self):
        return self.name


def _numpy_expr(node, args, ctx):
    """``(expr, direct)``: the NumPy source of the inner ``node`` on ``args``, converted
    to the graph's dtype where NumPy's differs; ``direct`` when it is one ufunc call
    giving that dtype itself (so it may write into an ``out=`` array)."""
    want = node.outputs[0].type.dtype
    dtypes = [v.type.dtype for v in node.inputs]
    have = numpy_result_dtype(node.op, dtypes)
    ufunc = getattr(node.op, "ufunc", None)
    python_impl = not isinstance(ufunc, np.ufunc)
    converted = False
    if (
        want in CONTINUOUS_DTYPES
        and (have != want or python_impl)
        and not isinstance(node.op, Cast | Switch)  # a cast is the conversion itself
    ):
        # NumPy computes e.g. exp(int8) in float16: compute in `want` instead.
        asarray = ctx.ref(np.asarray, "asarray")
        for k, dtype in enumerate(dtypes):
            if dtype in DISCRETE_DTYPES:
                args[k] = f"{asarray}({args[k]}, dtype={want!r})"
                dtypes[k] = want
                converted = True
        have = numpy_result_dtype(node.op, dtypes)
    expr = node.op.py_expr(args, ctx)
    if have != want:
        return f"{ctx.ref(np.asarray, 'asarray')}({expr}).astype({want!r})", False
    direct = (not python_impl and not converted and ufunc.nin == len(args)
              and _ufunc_dtype(ufunc, dtypes) == want)  # fmt: skip
    return expr, direct


def _ufunc_dtype(ufunc, in_dtypes) -> str:
    """The dtype of ``ufunc``'s own loop on arrays of ``in_dtypes`` (it may differ from
    the op's: ``inv`` divides an integer, ``reciprocal`` keeps it integral)."""
    with np.errstate(all="ignore"):
        return str(ufunc(*[np.ones(1, dtype=d) for d in in_dtypes]).dtype)


def _infix(op, args):
    sym = getattr(op, "symbol", None)
    if sym and len(args) >= 2:
        return "(" + f" {sym} ".join(args) + ")"
    if sym == "-" and len(args) == 1:
        return f"(-{args[0]})"
    return f"{op}({', '.join(args)})"


class _Refs:
    def __init__(self):
        self.globals = {}

    def ref(self, obj, hint="g"):
        name = f"_{hint}_{len(self.globals)}"
        self.globals[name] = obj
        return name


def _compile(comp):
    refs = _Refs()
    names = [f"a{k}" for k in range(comp.nin)]
    expr = comp.py_expr(names, refs)
    src = f"def composite({', '.join(names)}):\n    return {expr}\n"
    namespace = dict(refs.globals)
    exec(compile(src, "<composite>", "exec"), namespace)
    return namespace["composite"]
