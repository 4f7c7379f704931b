"""Typed configuration options and the :class:`TheanoConfigParser` container.

Options are registered with :meth:`TheanoConfigParser.add` under a (possibly dotted) name such as
``floatX`` or ``compile.timeout``; dotted names live in attribute namespaces (``config.compile``).
Values come, in decreasing priority, from the ``THEANO_FLAGS`` environment variable, the theanorc
files (``THEANORC``, default ``~/.theanorc`` and ``~/.theanorc.txt``) and the option's default.
"""

from __future__ import annotations

import os
import warnings
from functools import wraps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from typing import Any, Self

_UNSET = object()
_BOOL_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class UnknownFlagError(ValueError):
    """Raised for a configuration name that is not a known Theano option."""


class ConfigParam:
    """Base class of an option type: a default plus a converter/validator ``apply``.

    ``default`` may be a zero-argument callable; it is then evaluated (and validated) on each
    access until a value is set explicitly.  ``apply`` receives the raw value (often a string
    from the environment) and returns the converted value or raises ``ValueError``/``TypeError``.
    ``desc`` describes the accepted values in listings and error messages.
    """

    def __init__(
        self, default: Any, apply: Callable[[Any], Any] | None = None, desc: str = "value"
    ) -> None:
        self.default = default
        self._apply = apply
        self._desc = desc
        self.name = "<unnamed>"
        self.doc = ""
        self.in_c_key = True

    def convert(self, value: Any) -> Any:
        """Return ``value`` converted to this option's type (raise ValueError if invalid)."""
        return self._apply(value) if self._apply is not None else value

    def filter(self, value: Any) -> Any:
        """Convert ``value``; failures become a ValueError naming option, value and choices."""
        try:
            return self.convert(value)
        except (ValueError, TypeError) as exc:
            detail = f" ({exc})" if str(exc) else ""
            raise ValueError(
                f"Invalid value {value!r} for configuration option {self.name!r}{detail}."
                f" Valid values are: {self.describe()}"
            ) from None

    def on_set(self, value: Any) -> None:
        """Hook called after a value was explicitly set (flags, theanorc or assignment)."""

    def describe(self) -> str:
        """Short description of the accepted values, used in listings and error messages."""
        return self._desc


class EnumStr(ConfigParam):
    """String option restricted to ``default`` and ``options`` (given as varargs or a list)."""

    def __init__(self, default: str, *options: str | Iterable[str]) -> None:
        if len(options) == 1 and not isinstance(options[0], str):
            options = tuple(options[0])
        self.options = (default, *(o for o in options if o != default))
        if not all(isinstance(o, str) for o in self.options):
            raise TypeError(f"EnumStr options must be strings: {self.options!r}")
        super().__init__(default)

    def convert(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, int)):
            value = str(value)  # e.g. optimizer=None -> 'None'
        if isinstance(value, str) and value in self.options:
            return value
        raise ValueError("")

    def describe(self) -> str:
        return ", ".join(repr(o) for o in self.options)


def _to_bool(value: Any) -> bool:
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise ValueError("")


def _to_number(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and value % 1):
            raise TypeError(f"not a valid {kind.__name__}")
        return kind(value.strip() if isinstance(value, str) else value)

    return convert


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


class _TypedParam(ConfigParam):
    """Option converted to a fixed type, optionally checked by ``is_valid(value) -> bool``."""

    type_name = "value"
    _to_type: Callable[[Any], Any]

    def __init__(self, default: Any, is_valid: Callable[[Any], bool] | None = None) -> None:
        self.is_valid = is_valid
        super().__init__(default)

    def convert(self, value: Any) -> Any:
        value = type(self)._to_type(value)
        if self.is_valid is not None and not self.is_valid(value):
            raise ValueError("rejected by the option's validity check")
        return value

    def describe(self) -> str:
        return self.type_name


class BoolParam(_TypedParam):
    """Boolean option; accepts bools, 0/1 and true/false/yes/no/1/0 strings (any case)."""

    type_name, _to_type = "bool", _to_bool


class IntParam(_TypedParam):
    """Integer option; accepts ints and integer strings."""

    type_name, _to_type = "int", _to_number(int)


class FloatParam(_TypedParam):
    """Floating-point option; accepts numbers and numeric strings."""

    type_name, _to_type = "float", _to_number(float)


class StrParam(_TypedParam):
    """Free-form string option."""

    type_name, _to_type = "str", _to_str


class DeviceParam(ConfigParam):
    """The ``device`` option: ``'cpu'`` or a GPU name (``cuda*``, ``gpu*``, ``opencl*``).

    GPU names are accepted for compatibility only: setting one warns that this implementation
    runs on the CPU and ignores the setting.
    """

    def __init__(self, default: str = "cpu") -> None:
        super().__init__(default)

    def convert(self, value: Any) -> str:
        if isinstance(value, str) and (
            value == "cpu" or value.startswith(("cuda", "gpu", "opencl"))
        ):
            return value
        raise ValueError("")

    def describe(self) -> str:
        return "'cpu', 'cuda*', 'gpu*', 'opencl*'"

    def on_set(self, value: Any) -> None:
        if value != "cpu":
            warnings.warn(
                f"Theano flag {self.name}={value!r}: this version of Theano runs on the CPU only;"
                " the device setting is ignored and computations will run on the CPU.",
                UserWarning,
                stacklevel=4,
            )


def parse_config_string(config_string: str, source: str = "THEANO_FLAGS") -> dict[str, str]:
    """Parse ``"a=1,sec__b=2,sec.c=3"`` into ``{"a": "1", "sec.b": "2", "sec.c": "3"}``.

    Later entries override earlier ones; empty entries are skipped and entries without ``=``
    are ignored with a warning.
    """
    result: dict[str, str] = {}
    for item in config_string.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            warnings.warn(
                f"{source}: entry {item.strip()!r} has no value, ignoring it", stacklevel=2
            )
            continue
        key, value = item.split("=", 1)
        result[_normalize(key.strip())] = value.strip()
    return result


def theanorc_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the theanorc file paths from ``THEANORC`` (``os.pathsep``-separated)."""
    env = os.environ if environ is None else environ
    default = os.pathsep.join(["~/.theanorc", "~/.theanorc.txt"])
    return [os.path.expanduser(p) for p in env.get("THEANORC", default).split(os.pathsep) if p]


def read_theanorc(paths: Iterable[str]) -> dict[str, str]:
    """Read INI files; ``[global]`` keys map to top-level options, ``[sec] key`` to ``sec.key``."""
    existing = [p for p in paths if os.path.isfile(p)]
    if not existing:
        return {}
    import configparser  # the stdlib module; only imported when a theanorc file exists

    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    parser.read(existing)
    env_vars = {k: os.environ.get(k, "") for k in ("USER", "LSCRATCH", "TMPDIR", "TEMP", "TMP")}
    env_vars["PID"] = str(os.getpid())
    result: dict[str, str] = {}
    for section in parser.sections():
        prefix = "" if section == "global" else section + "."
        for key in parser.options(section):
            if key in parser.defaults():
                continue
            try:
                value = parser.get(section, key, vars=env_vars)
            except configparser.InterpolationError:
                value = parser.get(section, key, raw=True)
            result[_normalize(prefix + key)] = value.strip()
    return result


def _normalize(name: str) -> str:
    return name.strip().replace("__", ".")


class _Namespace:
    """Attribute namespace; option values are cached in the instance ``__dict__``."""

    def __init__(self, root: TheanoConfigParser, prefix: str) -> None:
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        param = self._root._params.get(self._prefix + name)
        if param is None:
            raise AttributeError(f"{self._prefix + name!r} is not a known Theano option")
        default = param.default
        return param.filter(default() if callable(default) else default)  # lazy default

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        elif self._prefix + name in self._root._params:
            self._root._set(self._prefix + name, value)
        else:
            raise AttributeError(f"{self._prefix + name!r} is not a known Theano option")

    def __dir__(self) -> list[str]:
        n = len(self._prefix)
        names = {k[n:].split(".")[0] for k in self._root._params if k.startswith(self._prefix)}
        return sorted(set(super().__dir__()) | names)


class TheanoConfigParser(_Namespace):
    """Container of all Theano options: ``config.floatX``, ``config.compile.timeout``, ...

    ``flags`` and ``rc_values`` map full option names to raw values (see
    :func:`parse_config_string` and :func:`read_theanorc`); flags override rc values, which
    override defaults.  Iterating yields option names in registration order.
    """

    def __init__(
        self, flags: Mapping[str, str] | None = None, rc_values: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(self, "")
        self._params: dict[str, ConfigParam] = {}
        self._flags = dict(flags or {})
        self._rc_values = dict(rc_values or {})

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> TheanoConfigParser:
        """Build a config from ``THEANO_FLAGS`` and the theanorc files named in ``environ``."""
        env = os.environ if environ is None else environ
        flags = parse_config_string(env.get("THEANO_FLAGS", ""))
        return cls(flags, read_theanorc(theanorc_paths(env)))

    def add(self, name: str, doc: str, param: ConfigParam, in_c_key: bool = True) -> None:
        """Register option ``name`` (dotted for sections), applying any flag/theanorc value."""
        parts = name.split(".")
        bad = [p for p in parts if not p.isidentifier() or p.startswith("_")]
        if bad or hasattr(type(self), parts[0]) or any(hasattr(_Namespace, p) for p in parts[1:]):
            raise ValueError(f"invalid configuration option name {name!r}")
        if name in self._params:
            raise ValueError(f"Theano configuration option {name!r} is already defined")
        namespace: _Namespace = self
        for i, sec in enumerate(parts[:-1]):
            if ".".join(parts[: i + 1]) in self._params:
                raise ValueError(f"cannot add {name!r}: {sec!r} is an option, not a section")
            if sec not in namespace.__dict__:
                object.__setattr__(namespace, sec, _Namespace(self, ".".join(parts[: i + 1]) + "."))
            namespace = namespace.__dict__[sec]
        if parts[-1] in namespace.__dict__:  # not an option yet, so it is a section
            raise ValueError(f"cannot add {name!r}: it is already a section")
        param.name, param.doc, param.in_c_key = name, doc, in_c_key
        self._params[name] = param
        raw = self._flags.get(name, self._rc_values.get(name, _UNSET))
        if raw is not _UNSET:
            self._store(name, param.filter(raw))
            param.on_set(self._raw(name))
        elif not callable(param.default):
            self._store(name, param.filter(param.default))

    def check_unused_flags(self) -> None:
        """Raise for unknown ``THEANO_FLAGS`` names; warn for unknown theanorc keys."""
        unknown = [f"THEANO_FLAGS: {self._unknown(k)}" for k in self._flags if k not in self]
        if unknown:
            raise UnknownFlagError("; ".join(unknown))
        for key in self._rc_values:
            if key not in self:
                warnings.warn(f"theanorc: {self._unknown(key)}; ignoring it", stacklevel=2)

    def _unknown(self, name: str) -> str:
        import difflib

        lower = {k.lower(): k for k in self._params}
        close = difflib.get_close_matches(name.lower(), list(lower), n=3, cutoff=0.7)
        hint = " (did you mean " + " or ".join(repr(lower[c]) for c in close) + "?)"
        return f"{name!r} is not a known Theano option" + (hint if close else "")

    def _locate(self, name: str) -> tuple[_Namespace, str]:
        namespace: _Namespace = self
        *sections, leaf = name.split(".")
        for sec in sections:
            namespace = namespace.__dict__[sec]
        return namespace, leaf

    def _store(self, name: str, value: Any) -> None:
        namespace, leaf = self._locate(name)
        if value is _UNSET:  # back to the (lazy) default
            namespace.__dict__.pop(leaf, None)
        else:
            namespace.__dict__[leaf] = value

    def _raw(self, name: str) -> Any:
        namespace, leaf = self._locate(name)
        return namespace.__dict__.get(leaf, _UNSET)

    def _set(self, name: str, value: Any) -> None:
        param = self.get_param(name)
        self._store(param.name, param.filter(value))
        param.on_set(self._raw(param.name))

    def get_param(self, name: str) -> ConfigParam:
        """Return the :class:`ConfigParam` of option ``name`` (``.`` or ``__`` separated)."""
        param = self._params.get(_normalize(name))
        if param is None:
            raise UnknownFlagError(self._unknown(_normalize(name)))
        return param

    def get_value(self, name: str) -> Any:
        """Return the value of option ``name`` (``.`` or ``__`` separated)."""
        namespace, leaf = self._locate(self.get_param(name).name)
        return getattr(namespace, leaf)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _normalize(name) in self._params

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._params))

    def change_flags(self, *args: Mapping[str, Any], **kwargs: Any) -> ChangeFlags:
        """Temporarily change options; usable as context manager or decorator."""
        return ChangeFlags(self, *args, **kwargs)

    def __str__(self) -> str:
        return "\n".join(
            f"{n} ({p.describe()})\n    Doc:  {p.doc}\n    Value:  {self.get_value(n)}\n"
            for n, p in self._params.items()
        )


class ChangeFlags:
    """Context manager / decorator that sets options and restores them afterwards.

    All new values are validated when the object is created; the previous values are restored
    on exit even if an exception was raised.  Re-entrant (one saved state per active use).
    """

    def __init__(self, config: TheanoConfigParser, *args: Mapping[str, Any], **kwargs: Any) -> None:
        self._config = config
        self._updates: dict[str, Any] = {}
        for mapping in (*args, kwargs):
            for key, value in mapping.items():
                param = config.get_param(key)
                self._updates[param.name] = param.filter(value)
        self._saved: list[dict[str, Any]] = []

    def __enter__(self) -> Self:
        saved: dict[str, Any] = {}
        self._saved.append(saved)
        try:
            for name, value in self._updates.items():
                saved[name] = self._config._raw(name)
                self._config._set(name, value)
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._restore()

    def _restore(self) -> None:
        for name, old in reversed(self._saved.pop().items()):
            self._config._store(name, old)

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper


def _default_config() -> TheanoConfigParser:
    from .configdefaults import config

    return config


def change_flags(*args: Mapping[str, Any], **kwargs: Any) -> ChangeFlags:
    """Temporarily change options of the global ``config`` (context manager or decorator).

    Keys may use ``__`` or ``.`` for sections: ``change_flags(compile__timeout=3)`` or
    ``change_flags(**{"compile.timeout": 3})``; mappings may also be passed positionally.
    """
    return ChangeFlags(_default_config(), *args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "config":  # ``from theano.configparser import config`` (classic spelling)
        return _default_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
