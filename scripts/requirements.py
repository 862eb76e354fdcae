"""Print the project's requirements (with the dev extra) from pyproject.toml, one a line, less some.

    python scripts/requirements.py --without llama-cpp-python

Set-up installs these while llama.cpp compiles beside them, then installs the project itself.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a requirement string ('Foo_Bar[x]>=1' -> 'foo-bar')."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if name is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", name.group(1)).lower()


def main() -> None:
    """Print the requirements of pyproject.toml that are not named with --without."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", action="append", default=[], help="a distribution to leave out")
    args = parser.parse_args()
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    left_out = {requirement_name(name) for name in args.without}
    for requirement in requirements:
        if requirement_name(requirement) not in left_out:
            print(requirement)


if __name__ == "__main__":
    main()
