#!/usr/bin/env python3
"""Generate the hostile inputs whose absolute timings bench/hostile.sh reports.

    gen_hostile.py DIR CASE SCALE

writes one repository (a `.git` folder and the case's file) under DIR for CASE at SCALE
(1 = the sizes of the robustness audit: 60k names, 100k keys, 40k tokens on a line, 80k .env
tokens, 20k Terraform objects, 12k Kubernetes pairs, a 12 MB single-line JSON). Fake tokens
only: random bodies from a fixed seed.
"""
import os
import random
import string
import sys

R = random.Random(16)
ALPHABET = string.ascii_letters + string.digits


def tok(kind="u"):
    return f"dbt{kind}_" + "".join(R.choice(ALPHABET) for _ in range(50))


def script_names(n):
    return "scripts/run.sh", "".join(f"echo $DBT_CLOUD_PAT_{i}\n" for i in range(n))


def partner_json(n):
    keys = ",".join(f'"dbt_cloud_token_{i}":"{tok()}"' for i in range(n))
    return "hightouch/config.json", '{"dbt_cloud":{' + keys + "}}"


def minified_line(n):
    return "static/app.js", "var t=[" + ",".join(f'"{tok()}"' for _ in range(n)) + "];"


def dotenv(n):
    return ".env", "".join(f"DBT_TOKEN_{i}={tok()}\n" for i in range(n))


def terraform(n):
    out = []
    for i in range(n // 4):
        out.append(f'variable "dbt_pat_{i}" {{\n  sensitive = true\n}}\n')
        out.append(f"locals {{\n  tok_{i} = var.dbt_pat_{i}\n}}\n")
        out.append(f'provider "dbtcloud" {{\n  alias = "p{i}"\n  token = local.tok_{i}\n}}\n')
        out.append(f'resource "dbtcloud_user_groups" "g{i}" {{\n  provider = dbtcloud.p{i}\n  user_id = {i}\n}}\n')
    return "infra/prod/main.tf", "".join(out)


def kubernetes(n):
    out = []
    for i in range(n):
        out.append(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: dbt-{i}\ndata:\n  DBT_CLOUD_PAT: eA==\n---\n")
        out.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-{i}\nspec:\n  template:\n    spec:\n"
            f"      containers:\n        - name: api\n          image: acme/api:1\n          env:\n"
            f"            - name: DBT_CLOUD_TOKEN\n              valueFrom:\n                secretKeyRef:\n"
            f"                  name: dbt-{i}\n                  key: DBT_CLOUD_PAT\n---\n"
        )
    return "k8s/all.yaml", "".join(out)


def big_json(n):
    item = '{"key": "some_setting", "value": "a value that is not a secret", "enabled": true},'
    body = item * (n // len(item))
    return "postman/big.json", '{"values": [' + body + '{"key": "DBT_CLOUD_TOKEN", "value": "' + tok() + '"}]}'


def alias_bomb(n):
    text = "a0: &a0 [dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt]\n"
    for i in range(1, n):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return ".github/workflows/bomb.yml", text + (
        "on: push\njobs:\n  deploy:\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}\n"
        f"      X: *a{n - 1}\n"
    )


def repeated_lines(n):
    return "Jenkinsfile", "DBT_CLOUD_TOKEN=$DBT_PAT\n" * (n // 25)


CASES = {
    "script-names": (script_names, 60_000),
    "partner-json": (partner_json, 100_000),
    "minified-line": (minified_line, 40_000),
    "dotenv": (dotenv, 80_000),
    "terraform": (terraform, 20_000),
    "kubernetes": (kubernetes, 12_000),
    "big-json": (big_json, 12_000_000),
    "alias-bomb": (alias_bomb, 30),
    "repeated-lines": (repeated_lines, 300_000),
}

if __name__ == "__main__":
    root, case, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
    make, n = CASES[case]
    path, text = make(max(2, int(n * scale)))
    os.makedirs(os.path.join(root, ".git"), exist_ok=True)
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
