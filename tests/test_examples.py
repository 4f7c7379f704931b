"""The seed tutorial, as examples/basics.py, prints what the tutorial shows."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# The outputs shown in ../shared/seed/theano-basics.txt, with CPU types where it shows
# GPU ones and NumPy 2's array formatting.
EXPECTED = """\
x
Elemwise{pow,no_inplace}.0
(x ** TensorConstant{2})
<class 'theano.tensor.var.TensorVariable'>
TensorType(float32, scalar)
9.0
9.0
[array([18., 37.], dtype=float32), array(91., dtype=float32)]
[array([14., 32.], dtype=float32), array(91., dtype=float32)]
[array([18., 37.], dtype=float32), array(91., dtype=float32)]
TensorType(float32, matrix)
[[3. 4.]
 [2. 1.]]
[[ 9. 16.]
 [ 4.  1.]]
[[ 1.  4.]
 [ 9. 16.]]
before update:
[[1. 2.]
 [3. 4.]]
the return value:
[[1. 2.]
 [3. 4.]]
after update:
[[0. 1.]
 [2. 3.]]
20.0
[[9. 8. 7.]
 [4. 5. 6.]]
[2. 2.]
"""


def test_basics_prints_the_seed_outputs(tmp_path):
    env = dict(os.environ, THEANO_FLAGS="floatX=float32", HOME=str(tmp_path))
    env.pop("THEANORC", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "basics.py")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout == EXPECTED
    assert result.stderr == ""
