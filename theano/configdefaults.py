"""The global ``config`` object and the definition of every Theano option.

Other modules should use ``from theano.configdefaults import config`` (or ``theano.config``) and
``from theano.configparser import change_flags`` (or ``config.change_flags``).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache

from .configparser import (
    BoolParam,
    ConfigParam,
    DeviceParam,
    EnumStr,
    FloatParam,
    IntParam,
    StrParam,
    TheanoConfigParser,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["change_flags", "compiledir_format_dict", "config"]

config = TheanoConfigParser.from_environment()
change_flags = config.change_flags
add = config.add


# --------------------------------------------------------------------------- helpers


def _filter_dir(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise ValueError("expected a non-empty directory path")
    return os.path.abspath(os.path.expanduser(path))


_FORMAT_KEYS = (
    "platform",
    "short_platform",
    "processor",
    "python_version",
    "python_bitwidth",
    "python_int_bitwidth",
    "theano_version",
    "numpy_version",
    "gxx_version",
    "hostname",
)


def _check_compiledir_format(fmt: Any) -> str:
    if not isinstance(fmt, str):
        raise TypeError("expected a string")
    try:
        formatted = fmt % dict.fromkeys(_FORMAT_KEYS, "x")
    except KeyError as exc:
        raise ValueError(f"unknown key {exc}; valid keys are {', '.join(_FORMAT_KEYS)}") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad format string: {exc}") from None
    if not formatted or os.sep in formatted:
        raise ValueError("the formatted compiledir must be a non-empty single path component")
    return fmt


@lru_cache(maxsize=1)
def compiledir_format_dict() -> dict[str, str]:
    """Values usable in ``config.compiledir_format`` (computed once, on first use)."""
    import platform
    import struct

    numpy = sys.modules.get("numpy")
    theano = sys.modules.get(__package__ or "theano")
    return {
        "platform": platform.platform(),
        "short_platform": f"{platform.system()}-{platform.release()}",
        "processor": platform.processor() or platform.machine() or "unknown",
        "python_version": platform.python_version(),
        "python_bitwidth": str(64 if sys.maxsize > 2**32 else 32),
        "python_int_bitwidth": str(8 * struct.calcsize("l")),
        "theano_version": str(getattr(theano, "__version__", "unknown")),
        "numpy_version": str(getattr(numpy, "__version__", "unknown")),
        "gxx_version": "none",
        "hostname": platform.node() or "unknown",
    }


def _default_compiledir() -> str:
    fmt = config.compiledir_format % compiledir_format_dict()
    fmt = "".join(c if c.isalnum() or c in "-_.+" else "_" for c in fmt)
    return os.path.join(config.base_compiledir, fmt)


def _filter_vm_lazy(value: Any) -> bool | None:
    mapping = {"none": None, "true": True, "false": False}
    key = str(value).strip().lower()
    if key not in mapping:
        raise ValueError("expected None, True or False")
    return mapping[key]


_SEVERITY = ("ignore", "warn", "raise", "pdb")
_TEST_VALUE = ("off", "ignore", "warn", "raise", "pdb")
_SETERR = ("ignore", "warn", "raise", "call", "print", "log", "None")

# --------------------------------------------------------------------------- device and types

add("device", "Device to compute on; GPU names are accepted but ignored (CPU only).", DeviceParam())
add("init_gpu_device", "GPU to initialise (ignored: CPU-only implementation).", StrParam(""))
add("force_device", "Raise an error if the requested device cannot be used.", BoolParam(False))
add("print_active_device", "Print the active device at import.", BoolParam(True))
add("floatX", "Default floating-point dtype.", EnumStr("float64", "float32", "float16"))
add("warn_float64", "What to do when a float64 variable is created.", EnumStr(*_SEVERITY))
add("cast_policy", "Rules for implicit casts of Python scalars.", EnumStr("custom", "numpy+floatX"))
add("int_division", "Meaning of '/' between integers.", EnumStr("int", "raise", "floatX"))
add("deterministic", "Prefer deterministic implementations.", EnumStr("default", "more"))

# --------------------------------------------------------------------------- compilation

_MODES = [
    "Mode",
    "DebugMode",
    "FAST_RUN",
    "NanGuardMode",
    "FAST_COMPILE",
    "DEBUG_MODE",
    "JAX",
    "NUMBA",
    "PYTHON",
]
_LINKERS = [
    "auto",
    "py",
    "python",
    "numba",
    "c",
    "c|py",
    "cvm",
    "vm",
    "vm_nogc",
    "cvm_nogc",
    "c|py_nogc",
    "jax",
]


class _ModeParam(StrParam):
    def describe(self) -> str:
        return ", ".join(repr(m) for m in _MODES) + " or a registered mode name"


add("mode", "Default compilation mode.", _ModeParam("Mode", is_valid=bool))
add(
    "linker",
    "Default linker used when the mode does not specify one.",
    EnumStr(_LINKERS[0], _LINKERS),
)
add(
    "optimizer",
    "Default graph optimizer ('None' disables optimization).",
    EnumStr("fast_run", "merge", "fast_compile", "None", "o4", "o3", "o2", "o1", "unsafe"),
)
add("optimizer_verbose", "Print each applied optimization.", BoolParam(False))
add("optimizer_including", "Extra optimizer tags to include (':'-separated).", StrParam(""))
add("optimizer_excluding", "Optimizer tags to exclude (':'-separated).", StrParam(""))
add("optimizer_requiring", "Optimizer tags to require (':'-separated).", StrParam(""))
add(
    "on_opt_error",
    "What to do when an optimization fails.",
    EnumStr("warn", "raise", "pdb", "ignore"),
)
add("on_shape_error", "What to do when shape inference fails.", EnumStr("warn", "raise"))
add("on_unused_input", "What to do for unused function inputs.", EnumStr("raise", "warn", "ignore"))
add("allow_gc", "Free intermediate results between calls to save memory.", BoolParam(True))
add("allow_output_prealloc", "Let ops reuse preallocated output storage.", BoolParam(True))
add("check_input", "Check input types/values in compiled ops.", BoolParam(True))
add("nocleanup", "Keep temporary compilation files.", BoolParam(False))
add("reoptimize_unpickled_function", "Re-optimize graphs of unpickled functions.", BoolParam(False))
add("unpickle_function", "Recompile pickled functions when unpickling.", BoolParam(True))
add("cycle_detection", "Cycle detection strategy for inplace ops.", EnumStr("regular", "fast"))
add(
    "check_stack_trace",
    "Check that optimizations keep stack traces.",
    EnumStr("off", "log", "warn", "raise"),
)
add(
    "vm.lazy",
    "Use the lazy-evaluation VM (None: auto).",
    ConfigParam(None, _filter_vm_lazy, "None, True, False"),
)
add("compile.timeout", "Seconds before a compilation lock is considered stale.", IntParam(120))
add("compile.wait", "Seconds between attempts to get the compilation lock.", IntParam(5))
add("numba.cache", "Cache numba-compiled functions on disk.", BoolParam(True))
add(
    "numba.kernels",
    "Which fused elementwise nodes the Numba tier compiles: 'arithmetic' (those without "
    "exp, tanh, sin...: NumPy's SIMD loops beat Numba's scalar libm calls on the others) "
    "or 'all'.",
    EnumStr("arithmetic", "all"),
)
add(
    "numba.whole_graph",
    "Compile a whole graph of small arrays into one Numba function when every node has a "
    "form there (elementwise ops, dimshuffles, reductions, products, shapes).",
    BoolParam(True),
)
add("numba.fastmath", "Compile numba functions with fastmath.", BoolParam(True))
add("numba.vectorize_target", "Numba vectorize target.", EnumStr("cpu", "parallel", "cuda"))
add("optdb.position_cutoff", "Skip optimizer stages after this position.", FloatParam(float("inf")))
add("optdb.max_use_ratio", "Max optimizer applications per graph node.", FloatParam(8.0))
add("metaopt.verbose", "Verbosity of meta-optimizers.", IntParam(0))
add(
    "tensor.cmp_sloppy",
    "Tolerance level for float comparisons in tests (0-2).",
    IntParam(0, lambda v: v in (0, 1, 2)),
)
add("tensor.local_elemwise_fusion", "Fuse consecutive elemwise ops.", BoolParam(True))
add(
    "tensor.insert_inplace_optimizer_validate_nb",
    "Inplace validation batch (-1: auto).",
    IntParam(-1),
)
add(
    "experimental.local_alloc_elemwise_assert",
    "Keep shape asserts when removing allocs.",
    BoolParam(True),
)
add("experimental.unpickle_gpu_on_cpu", "Unpickle GPU arrays as numpy arrays.", BoolParam(False))
add("scan.allow_gc", "Free scan intermediates between iterations.", BoolParam(False))
add("scan.allow_output_prealloc", "Let scan preallocate its outputs.", BoolParam(True))
add("scan.debug", "Print scan debugging information.", BoolParam(False))

# --------------------------------------------------------------------------- compile directories

add(
    "base_compiledir",
    "Root of the compilation cache.",
    ConfigParam("~/.theano", _filter_dir, "directory path"),
    in_c_key=False,
)
add(
    "compiledir_format",
    "Name of the compiledir inside base_compiledir; keys: " + ", ".join(_FORMAT_KEYS),
    ConfigParam(
        "compiledir_%(short_platform)s-%(processor)s-%(python_version)s-%(python_bitwidth)s",
        _check_compiledir_format,
        "%-format string",
    ),
    in_c_key=False,
)
add(
    "compiledir",
    "Compilation cache directory (default: base_compiledir/compiledir_format).",
    ConfigParam(_default_compiledir, _filter_dir, "directory path"),
    in_c_key=False,
)

# --------------------------------------------------------------------------- C backend (absent)

add("cxx", "C++ compiler; empty as this implementation has no C backend.", StrParam(""))
add("gcc.cxxflags", "Extra C++ compiler flags (unused).", StrParam(""))
add("blas.ldflags", "BLAS link flags (unused; numpy's BLAS is used).", StrParam(""))
add("openmp", "Allow OpenMP parallelism.", BoolParam(False))
add("openmp_elemwise_minsize", "Minimum elemwise size to use OpenMP.", IntParam(200000))
add("lib.amdlibm", "Use amdlibm for elemwise math.", BoolParam(False))
add("cmodule.warn_no_version", "Warn for ops without a C code version.", BoolParam(False))
add("cmodule.remove_gxx_opt", "Remove -O flags from the C++ compile line.", BoolParam(False))
add("cmodule.compilation_warning", "Print C++ compiler warnings.", BoolParam(False))
add("cmodule.preload_cache", "Preload the compile cache at import.", BoolParam(False))
add(
    "cmodule.age_thresh_use",
    "Seconds after which unused cache entries are deleted.",
    IntParam(60 * 60 * 24 * 24),
)

# --------------------------------------------------------------------------- GPU (accepted, unused)

add("pycuda.init", "Initialise pycuda (unused).", BoolParam(False))
add("dnn.enabled", "Use cuDNN (unused).", EnumStr("auto", "True", "False", "no_check"))
add("assert_no_cpu_op", "What to do if a CPU op remains in a GPU graph.", EnumStr(*_SEVERITY))
add("gpuarray.preallocate", "Fraction of GPU memory to preallocate (unused).", FloatParam(0.0))
add("lib.cnmem", "GPU memory pool size (unused).", FloatParam(0.0))
add("magma.enabled", "Use MAGMA (unused).", BoolParam(False))

# --------------------------------------------------------------------------- debugging

add("compute_test_value", "Compute test values while building graphs.", EnumStr(*_TEST_VALUE))
add("compute_test_value_opt", "compute_test_value during optimization.", EnumStr(*_TEST_VALUE))
add("print_test_value", "Show test values when printing variables.", BoolParam(False))
add("pickle_test_value", "Pickle test values with variables.", BoolParam(True))
add(
    "exception_verbosity",
    "Detail of error messages from compiled functions.",
    EnumStr("low", "high"),
)
add("traceback.limit", "Stack depth stored in variable tags.", IntParam(8))
add("traceback.compile_limit", "Stack depth kept for errors at compile time.", IntParam(0))
add("warn.ignore_bug_before", "Do not warn about bugs fixed before this version.", StrParam("0.9"))
add("warn.round", "Warn about the behaviour change of round().", BoolParam(False))
add("unittests.rseed", "Seed for random numbers in unit tests.", StrParam("666"))
add("DebugMode.check_finite", "DebugMode: check outputs for NaN/Inf.", BoolParam(True))
add("DebugMode.patience", "DebugMode: number of re-runs for determinism.", IntParam(10))
add("DebugMode.check_strides", "DebugMode: check output strides (0, 1 or 2).", IntParam(0))
add("DebugMode.check_py", "DebugMode: check the Python implementations.", BoolParam(True))
add("DebugMode.check_c", "DebugMode: check the C implementations.", BoolParam(True))
add("DebugMode.warn_input_not_reused", "DebugMode: warn on unused inplace.", BoolParam(True))
add("DebugMode.check_preallocated_output", "DebugMode: preallocation kinds to test.", StrParam(""))
add("NanGuardMode.nan_is_error", "NanGuardMode: NaN is an error.", BoolParam(True))
add("NanGuardMode.inf_is_error", "NanGuardMode: Inf is an error.", BoolParam(True))
add("NanGuardMode.big_is_error", "NanGuardMode: huge values are errors.", BoolParam(True))
add("NanGuardMode.action", "NanGuardMode: action on error.", EnumStr("raise", "warn", "pdb"))
for _kind in ("all", "divide", "over", "under", "invalid"):
    add(
        f"numpy.seterr_{_kind}",
        f"numpy.seterr {_kind!r} setting for compiled functions.",
        EnumStr("ignore" if _kind == "all" else "None", _SETERR),
        in_c_key=False,
    )

# --------------------------------------------------------------------------- profiling

add("profile", "Profile compiled functions.", BoolParam(False))
add("profile_optimizer", "Profile the optimizer.", BoolParam(False))
add("profile_memory", "Profile memory usage.", BoolParam(False))
add("print_global_stats", "Print global statistics at exit.", BoolParam(False))
add("profiling.n_apply", "Number of apply nodes shown in profiles.", IntParam(20))
add("profiling.n_ops", "Number of ops shown in profiles.", IntParam(20))
add("profiling.output_line_width", "Line width of profile output.", IntParam(512))
add("profiling.min_memory_size", "Smallest memory size (bytes) shown.", IntParam(1024))
add("profiling.min_peak_memory", "Show the minimum peak memory.", BoolParam(False))
add("profiling.destination", "File for profile output ('stderr', 'stdout').", StrParam("stderr"))
add("profiling.debugprint", "Debugprint profiled functions.", BoolParam(False))
add("profiling.ignore_first_call", "Ignore the first call in profiles.", BoolParam(False))

del _kind
config.check_unused_flags()
