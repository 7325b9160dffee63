"""Spec: scenario YAML -> validated, unit-normalised Scenario; every check in one pass.

Modules, each importing only those before it:

- ``field_types``: quantities with units (``'2km'`` -> 2000.0 m), distributions, names;
- ``scenario``: the models, ``Scenario`` and its sections (the schema);
- ``safe_yaml``: YAML read with the safe loader, within depth and size bounds;
- ``problems``: pydantic errors as YAML paths with lines and close matches;
- ``overrides``: ``--set PATH=VALUE`` on raw data;
- ``replay``: a replay CSV's header and rows parsed and checked;
- ``geometry``: the line projected, fleets and sensors placed (shared with the build);
- ``limits``: work estimates and their bounds;
- ``checks``: the validation pass after the schema;
- ``load``: a file or plain data -> ``Scenario`` (``load_scenario``, ``scenario_from_data``).
"""
