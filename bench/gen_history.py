#!/usr/bin/env python3
"""A git fast-import stream of a repository with a long history, for `bench/history.sh`.

    gen_history.py [--commits N] [--files-per-commit K] [--files F] | git fast-import

Each commit changes K of F files (a few lines replaced, some appended), so N commits make N*K
blob versions. Every 500th commit adds a fake token (random body) to one file and a later one
removes it, as secrets come and go in real histories. Deterministic: the same arguments give
the same repository.
"""
import argparse
import random
import sys

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
WORDS = "select from where join model source ref config materialized table view incremental " \
        "schema dbt run test seed snapshot docs generate deploy job environment project".split()
KINDS = [("models/{d}/m{i}.sql", "sql"), ("scripts/{d}/s{i}.py", "py"), ("ci/{d}/w{i}.yml", "yml"),
         ("docs/{d}/n{i}.md", "md")]


def line(rng, kind):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
    if kind == "sql":
        return f"  {words},"
    if kind == "py":
        return f"    value = '{words}'"
    if kind == "yml":
        return f"  - name: {words}"
    return words


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--files-per-commit", type=int, default=5)
    ap.add_argument("--files", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(14)
    out = sys.stdout.buffer
    paths, kinds, contents = [], [], []
    for i in range(args.files):
        pattern, kind = KINDS[i % len(KINDS)]
        paths.append(pattern.format(d=f"area{i % 37}", i=i))
        kinds.append(kind)
        contents.append([line(rng, kind) for _ in range(rng.randint(20, 120))])
    planted = {}
    when = 1_700_000_000
    for c in range(args.commits):
        changed = rng.sample(range(args.files), args.files_per_commit)
        for f in changed:
            lines = contents[f]
            for _ in range(rng.randint(1, 4)):
                lines[rng.randrange(len(lines))] = line(rng, kinds[f])
            if rng.random() < 0.3:
                lines.append(line(rng, kinds[f]))
        if c % 500 == 250:
            f = changed[0]
            token = ("dbtu_" if c % 1000 == 250 else "dbtc_") + "".join(rng.choice(ALPHABET) for _ in range(40))
            contents[f].insert(rng.randrange(len(contents[f])), f"DBT_CLOUD_TOKEN = '{token}'")
            planted[f] = c
        elif c % 500 == 400 and planted:
            f = next(iter(planted))
            del planted[f]
            contents[f] = [l for l in contents[f] if "DBT_CLOUD_TOKEN" not in l]
            if f not in changed:
                changed[-1] = f
        when += 600
        out.write(f"commit refs/heads/main\nmark :{c + 1}\n".encode())
        out.write(f"author Dev <dev@example.com> {when} +0000\ncommitter Dev <dev@example.com> {when} +0000\n".encode())
        msg = f"change {c}\n".encode()
        out.write(b"data %d\n%s" % (len(msg), msg))
        if c > 0:
            out.write(f"from :{c}\n".encode())
        for f in (range(args.files) if c == 0 else changed):
            body = ("\n".join(contents[f]) + "\n").encode()
            out.write(f"M 100644 inline {paths[f]}\n".encode())
            out.write(b"data %d\n%s\n" % (len(body), body))
        out.write(b"\n")
    out.write(b"done\n")


if __name__ == "__main__":
    main()
