"""Know which distribution provides an import, when the user's dependency-map does not say.

Two sources, consulted in this order after ``[tool.nb2pkg.dependency-map]``:

The installed environment
    ``installed_distributions()`` reads ``importlib.metadata`` once (lazily: the scan
    takes a tenth of a second). When several distributions install one top-level name,
    as namespace packages do (``google``, ``azure``), their file lists settle which one
    holds the imported path: ``google/protobuf/`` belongs to ``protobuf``. A lone portion
    of a namespace package answers only for the paths it holds.

nb2pkg's tables
    ``STDLIB_REPLACEMENTS``: modules that some supported Python lacks -> the
    distribution that provides the same import where it is missing (``None`` when there
    is no drop-in replacement; ``STDLIB_HINTS`` then says what to do). Mostly modules
    removed from the standard library (PEP 632 ``distutils`` and ``imp`` in 3.12, PEP 594
    "dead batteries" in 3.12 and 3.13), plus ``graphlib`` (new in 3.9), whose backport
    keeps its import name.

    ``CURATED``: import path -> distribution, for third-party packages whose
    distribution name does not follow from the import name (``sklearn`` ->
    ``scikit-learn``). Keys are top-level names, or dotted paths inside namespace
    packages (``google.protobuf``); the longest key that prefixes an import wins. Only
    mismatches are listed: a name that equals its distribution (``numpy``), even after
    PEP 503 normalisation, is never guessed. Names claimed by two unrelated
    distributions (``multipart``, ``bson``, ``environ``, ``whois``, ``pdfminer``,
    ``slack``) are left out on purpose: there the user has to say which one they mean.

Distribution names are compared in PEP 503 normal form and reported as given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

#: ``(key, distribution)`` pairs that a source offers for an import, one per distribution.
Matches = list[tuple[str, str]]

CURATED: Mapping[str, str] = MappingProxyType(
    {
        # Science, data and machine learning
        "sklearn": "scikit-learn",
        "skimage": "scikit-image",
        "skvideo": "scikit-video",
        "PIL": "pillow",
        "cv2": "opencv-python",
        "Bio": "biopython",
        "pywt": "PyWavelets",
        "umap": "umap-learn",
        "faiss": "faiss-cpu",
        "talib": "TA-Lib",
        "pycrfsuite": "python-crfsuite",
        "absl": "absl-py",
        "pylab": "matplotlib",
        "mpl_toolkits.mplot3d": "matplotlib",
        "mpl_toolkits.axes_grid1": "matplotlib",
        "osgeo": "GDAL",
        "shapefile": "pyshp",
        "pyximport": "Cython",
        # Files, formats and text
        "yaml": "PyYAML",
        "ruamel.yaml": "ruamel.yaml",
        "bs4": "beautifulsoup4",
        "dateutil": "python-dateutil",
        "attr": "attrs",
        "docx": "python-docx",
        "pptx": "python-pptx",
        "odf": "odfpy",
        "fitz": "PyMuPDF",
        "magic": "python-magic",
        "slugify": "python-slugify",
        "dotenv": "python-dotenv",
        "decouple": "python-decouple",
        "gflags": "python-gflags",
        "speech_recognition": "SpeechRecognition",
        "vlc": "python-vlc",
        # Cryptography and security
        "Crypto": "pycryptodome",
        "Cryptodome": "pycryptodomex",
        "OpenSSL": "pyOpenSSL",
        "nacl": "PyNaCl",
        "jwt": "PyJWT",
        "jose": "python-jose",
        # Networking, services and databases
        "dns": "dnspython",
        "socks": "PySocks",
        "zmq": "pyzmq",
        "websocket": "websocket-client",
        "socketio": "python-socketio",
        "engineio": "python-engineio",
        "kafka": "kafka-python",
        "ldap": "python-ldap",
        "memcache": "python-memcached",
        "snappy": "python-snappy",
        "nmap": "python-nmap",
        "paho.mqtt": "paho-mqtt",
        "grpc": "grpcio",
        "MySQLdb": "mysqlclient",
        "snowflake.connector": "snowflake-connector-python",
        "git": "GitPython",
        "github": "PyGithub",
        "gitlab": "python-gitlab",
        "jenkins": "python-jenkins",
        "telegram": "python-telegram-bot",
        "discord": "discord.py",
        # Google and Azure namespace packages
        "google.protobuf": "protobuf",
        "google.auth": "google-auth",
        "google.oauth2": "google-auth",
        "google.cloud.storage": "google-cloud-storage",
        "google.cloud.bigquery": "google-cloud-bigquery",
        "googleapiclient": "google-api-python-client",
        "azure.storage.blob": "azure-storage-blob",
        "azure.identity": "azure-identity",
        # Web frameworks' plug-ins
        "rest_framework": "djangorestframework",
        "corsheaders": "django-cors-headers",
        "debug_toolbar": "django-debug-toolbar",
        "django_filters": "django-filter",
        "crispy_forms": "django-crispy-forms",
        "storages": "django-storages",
        "allauth": "django-allauth",
        # Hardware and operating-system bindings
        "serial": "pyserial",
        "usb": "pyusb",
        "can": "python-can",
        "snap7": "python-snap7",
        "RPi.GPIO": "RPi.GPIO",
        "Xlib": "python-xlib",
        "wx": "wxPython",
        "gi": "PyGObject",
        "cairo": "pycairo",
        "OpenGL": "PyOpenGL",
        "jnius": "pyjnius",
        "objc": "pyobjc-core",
        "AppKit": "pyobjc-framework-Cocoa",
        "Foundation": "pyobjc-framework-Cocoa",
        "Quartz": "pyobjc-framework-Quartz",
        "win32api": "pywin32",
        "win32con": "pywin32",
        "win32gui": "pywin32",
        "win32com": "pywin32",
        "pythoncom": "pywin32",
        "pywintypes": "pywin32",
        # Tooling
        "pkg_resources": "setuptools",
        "hamcrest": "PyHamcrest",
        "_pytest": "pytest",
    }
)

STDLIB_REPLACEMENTS: Mapping[str, str | None] = MappingProxyType(
    {
        # Removed in 3.12 (PEP 632, PEP 594, gh-98040)
        "distutils": "setuptools",
        "imp": None,
        "asynchat": "pyasynchat",
        "asyncore": "pyasyncore",
        "smtpd": "standard-smtpd",
        # Removed in 3.13 (PEP 594)
        "aifc": "standard-aifc",
        "audioop": "audioop-lts",
        "cgi": "legacy-cgi",
        "cgitb": "legacy-cgi",
        "chunk": "standard-chunk",
        "crypt": "standard-crypt",
        "imghdr": "standard-imghdr",
        "mailcap": "standard-mailcap",
        "nntplib": "standard-nntplib",
        "pipes": "standard-pipes",
        "sndhdr": "standard-sndhdr",
        "sunau": "standard-sunau",
        "telnetlib": "standard-telnetlib",
        "uu": "standard-uu",
        "xdrlib": "standard-xdrlib",
        "lib2to3": None,
        "msilib": None,
        "nis": None,
        "ossaudiodev": None,
        "spwd": None,
        # Added in 3.9; the backport installs the same import name
        "graphlib": "graphlib-backport",
    }
)

STDLIB_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "imp": 'port the code to importlib (or map imp to "zombie-imp", a copy of it)',
        "lib2to3": "use libcst or parso instead",
        "msilib": "there is no maintained replacement",
        "nis": "there is no maintained replacement",
        "ossaudiodev": "use a sound library such as sounddevice",
        "spwd": "there is no maintained replacement",
        "tomllib": "import it inside try/except ImportError with tomli as the fallback",
        "zoneinfo": 'fall back to "backports.zoneinfo" inside try/except ImportError',
    }
)


def canonical_name(distribution: str) -> str:
    """Return a distribution name normalised for comparison (PEP 503)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def table_matches(table: Mapping[str, str], paths: Iterable[str]) -> Matches:
    """Match dotted import paths against ``table`` by their longest prefix key."""
    matches: dict[str, tuple[str, str]] = {}
    for path in paths:
        parts = path.split(".")
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            if key in table:
                matches.setdefault(canonical_name(table[key]), (key, table[key]))
                break
    return list(matches.values())


@dataclass(frozen=True)
class Installed:
    """What an environment has installed: which distributions provide which imports.

    ``providers`` maps a top-level import name to the distributions (names as their
    metadata gives them) that install it; ``files`` lists a distribution's files as
    POSIX paths relative to site-packages.
    """

    providers: Mapping[str, Sequence[str]]
    files: Callable[[str], Sequence[str]]


@cache
def installed_distributions() -> Installed:
    """Read the running environment's distributions, once."""
    from importlib import metadata

    @cache
    def files(distribution: str) -> tuple[str, ...]:
        try:
            paths = metadata.distribution(distribution).files or []
        except metadata.PackageNotFoundError:
            return ()
        return tuple(path.as_posix() for path in paths)

    return Installed(providers=metadata.packages_distributions(), files=files)


def installed_matches(top: str, paths: Iterable[str], installed: Installed) -> Matches:
    """Match dotted import paths (all under ``top``) against the installed distributions."""
    candidates = {canonical_name(d): d for d in installed.providers.get(top, ())}
    if len(candidates) == 1:
        (only,) = candidates.values()
        # One portion of a namespace package (``protobuf`` in ``google``) is not the
        # owner of the others, even when it is the only one installed.
        if not _is_namespace_portion(installed.files(only), top):
            return [(top, only)]
    matches: dict[str, tuple[str, str]] = {}
    for path in paths:
        owners = _deepest_owners(path, candidates.values(), installed)
        if len(owners) == 1:
            matches.setdefault(canonical_name(owners[0][1]), owners[0])
    return list(matches.values())


def _deepest_owners(path: str, candidates: Iterable[str], installed: Installed) -> Matches:
    """Return ``(owned path, distribution)`` for the candidates that hold most of ``path``."""
    parts = path.split(".")
    for size in range(len(parts), 0, -1):
        prefix = "/".join(parts[:size])
        owners = [d for d in candidates if _holds(installed.files(d), prefix)]
        if size == 1:  # a namespace package's portions share the top level; none owns it
            owners = [d for d in owners if not _is_namespace_portion(installed.files(d), prefix)]
        if owners:
            return [(".".join(parts[:size]), d) for d in owners]
    return []


def _is_namespace_portion(files: Sequence[str], top: str) -> bool:
    """Tell whether ``files`` put modules under ``top/`` without owning ``top`` itself."""
    inside = [f for f in files if f.startswith(top + "/")]
    return bool(inside) and not any(f.startswith(f"{top}/__init__.") for f in inside)


def _holds(files: Sequence[str], prefix: str) -> bool:
    """Tell whether ``files`` hold the package or module at ``prefix`` (``a/b``)."""
    depth = prefix.count("/")
    return any(
        f.startswith(prefix + "/") or (f.startswith(prefix + ".") and f.count("/") == depth)
        for f in files
    )
