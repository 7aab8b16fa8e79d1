#!/usr/bin/env python3
"""Validates FHIR JSON resources against the FHIR structure definitions with
the `fhir.resources` package (R4B models; Consent, Bundle, OperationOutcome
and CapabilityStatement are the same in R4 and R4B): an implementation
nobody on this project wrote. Reads a JSON array of resources on standard
input; exits 1 naming the first resource that fails, 0 when all pass.
Used by crates/confidant-server/tests/fhir.rs; scripts/test installs the
package into target/test-venv (scripts/test)."""
import json
import sys

from fhir.resources.R4B import get_fhir_model_class


def main() -> int:
    resources = json.load(sys.stdin)
    for index, resource in enumerate(resources):
        kind = resource.get("resourceType")
        try:
            model = get_fhir_model_class(kind)
            model.model_validate(resource)
            # Bundle entries are validated as their own resource types too.
            for entry in resource.get("entry", []) if kind == "Bundle" else []:
                inner = entry["resource"]
                get_fhir_model_class(inner["resourceType"]).model_validate(inner)
        except Exception as error:  # noqa: BLE001 - report whatever the validator says
            print(f"resource {index} ({kind}) is not valid FHIR:\n{error}", file=sys.stderr)
            return 1
    print(f"{len(resources)} resources valid", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
