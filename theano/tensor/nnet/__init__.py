"""`theano.tensor.nnet` (``T.nnet``): activations, softmax and cross-entropy losses.

The names and signatures are classic Theano 1.0's: ``T.nnet.sigmoid(x)``,
``T.nnet.softmax(x)``, ``T.nnet.categorical_crossentropy(p, y)``, and so on.
"""

from theano.tensor.nnet.basic import *
from theano.tensor.nnet.basic import __all__ as _basic_all
from theano.tensor.nnet.sigm import *
from theano.tensor.nnet.sigm import __all__ as _sigm_all

__all__ = [*_basic_all, *_sigm_all]  # noqa: PLE0604
