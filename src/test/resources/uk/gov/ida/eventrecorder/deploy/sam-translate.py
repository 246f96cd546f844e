"""Translates SAM templates into the CloudFormation `sam deploy` would send, with SAM's own translator.

Reads a JSON list of {"template": <template>, "parameters": {name: value}} on standard input and writes a JSON list
of {"cloudformation": <template>} or {"error": <message>}, in the same order: one process for every translation.
A zip function's local CodeUri becomes an s3:// URI, the rewrite `sam package` makes before the translator sees it.
"""
import json
import os
import sys

# SAM writes the partition of this region into the ARNs it makes (the managed policies'). A region outside the
# commercial partition shows the template's own "arn:aws:" literals apart from SAM's, which are right where deployed.
os.environ["AWS_DEFAULT_REGION"] = "cn-north-1"

from samtranslator.translator.transform import transform  # noqa: E402


class NoManagedPolicies:
    """The translator asks for AWS managed policies' ARNs only for policies named by name; the template names none."""

    def load(self):
        return {}


def packaged(template):
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties.get("CodeUri"), str) \
                and not properties["CodeUri"].startswith("s3://"):
            properties["CodeUri"] = "s3://sam-artifacts/" + os.path.basename(properties["CodeUri"])
    return template


results = []
for request in json.load(sys.stdin):
    try:
        results.append({"cloudformation": transform(packaged(request["template"]), request["parameters"],
                                                    NoManagedPolicies())})
    except Exception as e:  # the translator's own refusal, reported for the test to show
        results.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(results, sys.stdout)
