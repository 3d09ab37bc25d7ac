"""Validates scenario files against `faultline schema`'s output.

usage: validate_schema.py SCHEMA FILE...   prints one line per file:
  "valid FILE" or "invalid FILE: <first error>"; exits 0.

YAML is read as yaml-language-server reads it (YAML 1.2's core schema):
only true/false are booleans, so `on` or `no` stay strings as the loader
reads them."""
import json
import re
import sys

import jsonschema
import yaml


class CoreLoader(yaml.SafeLoader):
    pass


CoreLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def main(argv):
    with open(argv[1]) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    for path in argv[2:]:
        try:
            with open(path) as f:
                document = yaml.load(f, Loader=CoreLoader)
        except yaml.YAMLError as error:
            print(f"invalid {path}: not YAML: {str(error).splitlines()[0]}")
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            print(f"invalid {path}: at /{where}: {errors[0].message[:300]}")
        else:
            print(f"valid {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
