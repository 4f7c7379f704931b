"""``theano.tensor.nnet.nnet``: the module path of classic Theano's softmax and losses."""

from theano.tensor.nnet.basic import *
from theano.tensor.nnet.basic import __all__ as _basic_all
from theano.tensor.nnet.sigm import *
from theano.tensor.nnet.sigm import __all__ as _sigm_all

__all__ = [*_basic_all, *_sigm_all]  # noqa: PLE0604
