"""`theano.tensor.nnet` (``T.nnet``): activations, softmax and cross-entropy losses.

The names and signatures are classic Theano 1.0's: ``T.nnet.sigmoid(x)``,
``T.nnet.softmax(x)``, ``T.nnet.categorical_crossentropy(p, y)``, and so on.
"""

from theano.tensor import compat as _compat
from theano.tensor.nnet.basic import *
from theano.tensor.nnet.basic import __all__ as _basic_all
from theano.tensor.nnet.sigm import *
from theano.tensor.nnet.sigm import __all__ as _sigm_all

# Theano 1.0 names that live in compat (h_softmax, confusion_matrix, ...).
globals().update({name: getattr(_compat, name) for name in _compat.NNET_ALL})

__all__ = [*_basic_all, *_sigm_all, *_compat.NNET_ALL]  # noqa: PLE0604
