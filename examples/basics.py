"""The seed tutorial (theano-basics) as a Python 3 script.

Run it as ``THEANO_FLAGS=floatX=float32 python examples/basics.py``; it prints the
outputs the tutorial shows (CPU types where the tutorial shows GPU ones).
"""

import numpy as np

import theano
import theano.tensor as T

# Symbolic computation
foo = T.scalar("x")
print(foo)
bar = foo**2
print(bar)
print(theano.pp(bar))
print(type(foo))
print(foo.type)

# theano.function
square = theano.function([foo], bar)
print(square(3))
print(bar.eval({foo: 3}))

# theano.tensor
A = T.matrix("A")
x = T.vector("x")
b = T.vector("b")
y = T.dot(A, x) + b
z = T.sum(A**2)
linear_mix = theano.function([A, x, b], [y, z])
print(
    linear_mix(
        np.array([[1, 2, 3], [4, 5, 6]], dtype=theano.config.floatX),  # A
        np.array([1, 2, 3], dtype=theano.config.floatX),  # x
        np.array([4, 5], dtype=theano.config.floatX),  # b
    )
)

# Default values with theano.Param
linear_mix_default = theano.function(
    [A, x, theano.Param(b, default=np.zeros(2, dtype=theano.config.floatX))], [y, z]
)
print(
    linear_mix_default(
        np.array([[1, 2, 3], [4, 5, 6]], dtype=theano.config.floatX),  # A
        np.array([1, 2, 3], dtype=theano.config.floatX),  # x
    )
)
print(
    linear_mix_default(
        np.array([[1, 2, 3], [4, 5, 6]], dtype=theano.config.floatX),  # A
        np.array([1, 2, 3], dtype=theano.config.floatX),  # x
        np.array([4, 5], dtype=theano.config.floatX),  # b
    )
)

# Shared variables
shared_var = theano.shared(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=theano.config.floatX))
print(shared_var.type)
shared_var.set_value(np.array([[3.0, 4], [2, 1]], dtype=theano.config.floatX))
print(shared_var.get_value())

shared_square = shared_var**2
f = theano.function([], shared_square)
print(f())

shared_var.set_value(np.array([[1.0, 2], [3, 4]], dtype=theano.config.floatX))
print(f())

subtract = T.matrix("subtract")
f_update = theano.function([subtract], shared_var, updates={shared_var: shared_var - subtract})
print("before update:")
print(shared_var.get_value())
print("the return value:")
print(f_update(np.array([[1.0, 1], [1, 1]], dtype=theano.config.floatX)))
print("after update:")
print(shared_var.get_value())

# Derivatives
bar_grad = T.grad(bar, foo)
print(bar_grad.eval({foo: 10}))

y_J = theano.gradient.jacobian(y, x)
print(
    y_J.eval(
        {
            A: np.array([[9.0, 8, 7], [4, 5, 6]], dtype=theano.config.floatX),  # A
            x: np.array([1.0, 2, 3], dtype=theano.config.floatX),  # x
            b: np.array([4.0, 5], dtype=theano.config.floatX),  # b
        }
    )
)

# R-op and L-op
W = T.dmatrix("W")
V = T.dmatrix("V")
x = T.dvector("x")
y = T.dot(x, W)
JV = T.Rop(y, W, V)
f = theano.function([W, V, x], JV)
print(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]))
