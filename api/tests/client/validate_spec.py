"""Validates an OpenAPI 3.1 document with openapi-spec-validator, and lists every `$ref` that points nowhere.

Usage: validate_spec.py openapi/openapi.json. Prints `spec valid` or each problem (with its place in the document)
and exits 1.
"""

import json
import sys

from openapi_spec_validator import OpenAPIV31SpecValidator


def dangling_refs(spec):
    """Every local `$ref` whose target does not exist, with where it is used."""
    found = []

    def resolves(pointer):
        node = spec
        for part in pointer.lstrip("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
        return True

    def walk(node, path):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and not resolves(ref):
                found.append((ref, path))
            for key, value in node.items():
                walk(value, f"{path}/{key.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}/{index}")

    walk(spec, "#")
    return found


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as file:
        spec = json.load(file)
    problems = [f"{ref} does not exist (used at {where})" for ref, where in dangling_refs(spec)]
    try:
        for error in OpenAPIV31SpecValidator(spec).iter_errors():
            # Reference errors quote the whole document: keep the message's head.
            message = str(getattr(error, "message", error)).split(" within {", 1)[0]
            where = "/".join(str(part) for part in getattr(error, "absolute_path", []))
            problems.append(f"{message[:300]} (at #/{where})")
    except Exception as error:  # the validator stops at some errors (an unresolvable reference) instead of listing them
        problems.append(f"validator stopped: {str(error).split(' within {', 1)[0][:300]}")
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  - {problem}")
        sys.exit(1)
    print(f"{path}: spec valid (OpenAPI {spec.get('openapi')})")


if __name__ == "__main__":
    main()
