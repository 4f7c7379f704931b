"""Tests of ``theano.configparser`` and ``theano.configdefaults``."""

import importlib.util
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from theano import configdefaults, configparser
from theano.configparser import (
    BoolParam,
    EnumStr,
    IntParam,
    TheanoConfigParser,
    change_flags,
    parse_config_string,
    read_theanorc,
)

config = configdefaults.config
PKG_ROOT = Path(os.path.abspath(configdefaults.__file__)).parents[1]  # directory holding ``theano``


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """Return a factory building a fresh config by re-running configdefaults in a given env."""

    def make(flags: str = "", rc: str | None = None) -> TheanoConfigParser:
        monkeypatch.setenv("THEANO_FLAGS", flags)
        rc_path = ""
        if rc is not None:
            rc_path = str(tmp_path / "theanorc")
            Path(rc_path).write_text(rc)
        monkeypatch.setenv("THEANORC", rc_path)
        spec = importlib.util.spec_from_file_location(
            "theano._fresh_configdefaults", configdefaults.__file__
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.config

    return make


def run_python(code: str, flags: str = "", theanorc: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THEANO")}
    env.update(THEANO_FLAGS=flags, THEANORC=theanorc, PYTHONPATH=str(PKG_ROOT))
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


RC_TEXT = """
[global]
floatX = float32
allow_gc = no
not_an_option = 1

[compile]
timeout = 7
wait = 9
"""


# --------------------------------------------------------------------------- defaults


def test_defaults(fresh):
    c = fresh()
    expected = {
        "floatX": "float64",
        "device": "cpu",
        "init_gpu_device": "",
        "force_device": False,
        "mode": "Mode",
        "linker": "auto",
        "optimizer": "fast_run",
        "optimizer_including": "",
        "on_unused_input": "raise",
        "cast_policy": "custom",
        "int_division": "int",
        "compute_test_value": "off",
        "exception_verbosity": "low",
        "warn_float64": "ignore",
        "allow_gc": True,
        "openmp": False,
        "openmp_elemwise_minsize": 200000,
        "traceback.limit": 8,
        "unittests.rseed": "666",
        "DebugMode.patience": 10,
        "NanGuardMode.big_is_error": True,
        "numba.cache": True,
        "gcc.cxxflags": "",
        "cxx": "",
        "deterministic": "default",
        "scan.allow_gc": False,
        "tensor.cmp_sloppy": 0,
        "dnn.enabled": "auto",
        "gpuarray.preallocate": 0.0,
        "on_opt_error": "warn",
        "on_shape_error": "warn",
        "vm.lazy": None,
    }
    for name, value in expected.items():
        assert c.get_value(name) == value, name
        assert type(c.get_value(name)) is type(value), name
    assert c.compile.timeout == 120
    assert c.DebugMode.check_finite is True
    assert c.base_compiledir == os.path.expanduser("~/.theano")
    assert c.compiledir.startswith(os.path.join(c.base_compiledir, "compiledir_"))


def test_compiledir_follows_base_compiledir(fresh, tmp_path):
    c = fresh(flags=f"base_compiledir={tmp_path}")
    assert c.base_compiledir == str(tmp_path)
    assert os.path.dirname(c.compiledir) == str(tmp_path)
    c.compiledir_format = "cd_%(python_version)s"
    assert os.path.basename(c.compiledir).startswith("cd_3")
    c.compiledir = str(tmp_path / "explicit")
    assert c.compiledir == str(tmp_path / "explicit")
    with pytest.raises(ValueError, match="unknown key"):
        c.compiledir_format = "cd_%(nope)s"


# --------------------------------------------------------------------------- parsing


def test_parse_config_string():
    parsed = parse_config_string(" floatX=float32, compile__timeout=3,,gcc.cxxflags=-O3 -g,x=a=b")
    assert parsed == {
        "floatX": "float32",
        "compile.timeout": "3",
        "gcc.cxxflags": "-O3 -g",
        "x": "a=b",
    }
    assert parse_config_string("floatX=float32,floatX=float16") == {"floatX": "float16"}
    with pytest.warns(UserWarning, match="no value"):
        assert parse_config_string("floatX") == {}


def test_read_theanorc(tmp_path):
    rc = tmp_path / "rc"
    rc.write_text(RC_TEXT + "\n[gcc]\ncxxflags = -O3\n[a]\nfmt = %(python_version)s\n")
    values = read_theanorc([str(tmp_path / "missing"), str(rc)])
    assert values["floatX"] == "float32"
    assert values["compile.timeout"] == "7"
    assert values["gcc.cxxflags"] == "-O3"
    assert values["a.fmt"] == "%(python_version)s"  # uninterpolated when not resolvable
    assert read_theanorc([str(tmp_path / "missing")]) == {}


def test_flags_both_section_spellings(fresh):
    c = fresh(flags="floatX=float32,compile__timeout=3,DebugMode.patience=4,allow_gc=False")
    assert (c.floatX, c.compile.timeout, c.DebugMode.patience, c.allow_gc) == (
        "float32",
        3,
        4,
        False,
    )


def test_theanorc_and_precedence(fresh):
    with pytest.warns(UserWarning, match="not_an_option"):
        c = fresh(flags="compile__timeout=3", rc=RC_TEXT)
    assert c.floatX == "float32"  # from [global]
    assert c.allow_gc is False
    assert c.compile.timeout == 3  # THEANO_FLAGS beat the theanorc
    assert c.compile.wait == 9  # from [compile]
    assert c.optimizer == "fast_run"  # default


def test_unknown_flag_in_process(fresh):
    with pytest.raises(ValueError, match="'flaotX' is not a known Theano option.*floatX"):
        fresh(flags="flaotX=float32")


@pytest.mark.parametrize("raw", ["True", "true", "1", "yes", "YES", True, 1])
def test_bool_true(raw):
    assert BoolParam(False).filter(raw) is True


@pytest.mark.parametrize("raw", ["False", "false", "0", "no", "No", False, 0])
def test_bool_false(raw):
    assert BoolParam(True).filter(raw) is False


def test_param_types():
    assert EnumStr("a", ["b", "c"]).options == ("a", "b", "c")
    assert EnumStr("a", "b", "c").filter("c") == "c"
    assert IntParam(0).filter(" 12 ") == 12
    with pytest.raises(ValueError):
        IntParam(0, lambda v: v >= 0).filter(-1)
    with pytest.raises(ValueError):
        BoolParam(True).filter("maybe")


# --------------------------------------------------------------------------- run-time changes


def test_assignment_validation(fresh):
    c = fresh()
    c.floatX = "float32"
    assert c.floatX == "float32"
    with pytest.raises(ValueError) as info:
        c.floatX = "float128"
    msg = str(info.value)
    assert "floatX" in msg and "float128" in msg and "'float16'" in msg
    assert c.floatX == "float32"
    with pytest.raises(ValueError, match="traceback.limit"):
        c.traceback.limit = "many"
    c.traceback.limit = "12"
    assert c.traceback.limit == 12
    c.optimizer = None
    assert c.optimizer == "None"
    with pytest.raises(ValueError, match="device"):
        c.device = "tpu"
    with pytest.raises(AttributeError):
        c.not_an_option = 1
    with pytest.raises(AttributeError):
        _ = c.compile.not_an_option


def test_device_warning(fresh):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = fresh(flags="device=cuda")
    assert c.device == "cuda"
    device_warnings = [w for w in caught if "CPU" in str(w.message)]
    assert len(device_warnings) == 1
    assert issubclass(device_warnings[0].category, UserWarning)
    for name in ("gpu1", "cuda0", "opencl0:0"):
        with pytest.warns(UserWarning, match="ignored"):
            c.device = name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.device = "cpu"


def test_change_flags_context_manager(fresh):
    c = fresh()
    with c.change_flags(floatX="float32", compile__timeout=3, **{"DebugMode.patience": 4}):
        assert (c.floatX, c.compile.timeout, c.DebugMode.patience) == ("float32", 3, 4)
    assert (c.floatX, c.compile.timeout, c.DebugMode.patience) == ("float64", 120, 10)
    with pytest.raises(KeyError), c.change_flags({"compile.timeout": 5}):
        assert c.compile.timeout == 5
        raise KeyError("boom")
    assert c.compile.timeout == 120
    with pytest.raises(ValueError, match="not a known Theano option"):
        c.change_flags(floatx="float32")
    with pytest.raises(ValueError, match="float128"):
        c.change_flags(allow_gc=False, floatX="float128")
    assert c.allow_gc is True  # nothing changed by the rejected call


def test_change_flags_decorator_and_global():
    before = config.floatX
    other = "float16" if before != "float16" else "float32"

    @change_flags(floatX=other)
    def inner():
        return config.floatX

    assert inner() == other
    assert config.floatX == before
    assert inner() == other  # reusable

    @configparser.change_flags(floatX=other)
    def failing():
        raise RuntimeError

    with pytest.raises(RuntimeError):
        failing()
    assert config.floatX == before
    assert configparser.config is config


def test_change_flags_restores_lazy_default(fresh, tmp_path):
    c = fresh()
    default = c.compiledir
    with c.change_flags(base_compiledir=str(tmp_path)):
        assert c.compiledir.startswith(str(tmp_path))
    assert c.compiledir == default
    with c.change_flags(compiledir=str(tmp_path)):
        assert c.compiledir == str(tmp_path)
    assert c.compiledir == default


def test_str_lists_options(fresh):
    text = str(fresh())
    assert "floatX ('float64', 'float32', 'float16')\n    Doc:" in text
    assert "Value:  float64" in text
    assert "compile.timeout (int)" in text
    assert text.count("    Doc: ") == len(list(fresh()))


def test_add_rejects_bad_names():
    c = TheanoConfigParser()
    c.add("a.b", "doc", IntParam(1))
    for bad in ("a.b", "a", "a.b.c", "add", "_x", "a..b"):
        with pytest.raises(ValueError):
            c.add(bad, "doc", IntParam(1))
    assert c.a.b == 1 and "a__b" in c


# --------------------------------------------------------------------------- real imports


def test_subprocess_flags_and_theanorc(tmp_path):
    rc = tmp_path / "rc"
    rc.write_text(RC_TEXT)
    code = (
        "import json, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from theano.configdefaults import config as c\n"
        "print(json.dumps([c.floatX, c.compile.timeout, c.compile.wait, c.allow_gc,"
        " c.DebugMode.patience, c.base_compiledir]))\n"
    )
    flags = f"floatX=float16,compile__timeout=3,DebugMode.patience=2,base_compiledir={tmp_path}"
    proc = run_python(code, flags=flags, theanorc=str(rc))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == ["float16", 3, 9, False, 2, str(tmp_path)]


def test_subprocess_unknown_flag():
    code = (
        "try:\n    import theano.configdefaults\n"
        "except ValueError as e:\n    print('ERR', e)\n"
        "else:\n    print('NO ERROR')\n"
    )
    proc = run_python(code, flags="flaotX=float32")
    assert "ERR" in proc.stdout, proc.stdout + proc.stderr
    assert "flaotX" in proc.stdout and "not a known Theano option" in proc.stdout


def test_subprocess_device_warning():
    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    from theano.configdefaults import config\n"
        "print(config.device, sum('device' in str(x.message) for x in w))\n"
    )
    proc = run_python(code, flags="device=cuda")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["cuda", "1"]
