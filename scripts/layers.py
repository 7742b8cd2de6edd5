#!/usr/bin/env python3
"""layers.py BUILD_DIR: the structure rules of common/ and services/, read
from the built objects (who calls whom: nm) and the sources (who includes
whom). Prints TAP; exits 1 when a rule is broken.

Rules checked:
  - common/ is in layers, one folder each, lowest first (LAYERS); a file
    includes headers of its own layer and lower ones only (CMake enforces
    it too: a layer's library sees only the headers of the layers it
    links), and every folder of common/ is a known layer;
  - no two files of common/ call each other in a circle, directly or through
    others; nor the files of one service;
  - common/ includes no header of services/ and calls no function defined
    there;
  - a service includes nothing of another service;
  - every function a file of common/ exports is named with the file's name
    as its prefix (arena.c: arena_*), so that a name says where it lives;
    the exceptions are connlimit.c's accept4 and recvmsg and cqloop.c's
    epoll_wait, which take the C library's names on purpose (gRPC's calls
    must bind to them).
A call is an undefined symbol of one object that another object defines, so
the graph is exactly what the linker resolves (static functions are not in
it: they cannot cross files).
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = sorted(d for d in os.listdir(os.path.join(ROOT, "services"))
                  if os.path.isdir(os.path.join(ROOT, "services", d)))

# common/'s layers, lowest first; the same order as the libraries of the
# top-level CMakeLists.txt and the table of docs/runtime.md.
LAYERS = ["util", "json", "auth", "db", "rpc", "crud"]

results = []


def tap(ok, text, details=()):
    results.append((ok, text, list(details)))


def nm(obj, *flags):
    out = subprocess.run(["nm", *flags, obj], check=True, capture_output=True, text=True).stdout
    return out.splitlines()


def symbols(objs):
    """{stem: (defined, undefined)} for the given object files."""
    table = {}
    for o in objs:
        stem = os.path.basename(o)[: -len(".c.o")]
        defined = {l.split()[-1] for l in nm(o, "--defined-only", "-g") if l.strip()}
        undefined = {l.split()[-1] for l in nm(o, "-u") if l.strip()}
        table[stem] = (defined, undefined)
    return table


def call_graph(table):
    """{a: {b: [names a takes from b]}} between distinct files."""
    owner = {}
    for stem, (defined, _) in table.items():
        for sym in defined:
            owner[sym] = stem
    graph = {stem: {} for stem in table}
    for stem, (_, undefined) in table.items():
        for sym in undefined:
            o = owner.get(sym)
            if o is not None and o != stem:
                graph[stem].setdefault(o, []).append(sym)
    return graph


def circles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def describe(graph, comp):
    lines = []
    for a in comp:
        for b, syms in sorted(graph[a].items()):
            if b in comp:
                lines.append(f"{a}.c -> {b}.c: {', '.join(sorted(syms)[:6])}")
    return lines


# Exports named otherwise on purpose: connlimit.c interposes the C library's
# accept4 and recvmsg for gRPC's listener and connections, cqloop.c its
# epoll_wait for gRPC's wait.
NAME_EXCEPTIONS = {("connlimit", "accept4"), ("connlimit", "recvmsg"), ("cqloop", "epoll_wait")}


def misnamed(table):
    """Exports of a file not named <file> or <file>_*."""
    return [f"{stem}.c exports {sym}" for stem, (defined, _) in sorted(table.items())
            for sym in sorted(defined)
            if sym != stem and not sym.startswith(stem + "_") and (stem, sym) not in NAME_EXCEPTIONS]


def upward(srcs, layer_of):
    """Includes of a header of a higher layer: srcs {path: [included names]}
    with path common/<layer>/<file>."""
    out = []
    for path, incs in sorted(srcs.items()):
        mine = path.split("/")[1]
        for inc in incs:
            theirs = layer_of.get(os.path.basename(inc))
            if theirs and LAYERS.index(theirs) > LAYERS.index(mine):
                out.append(f"{path} ({mine}) includes {os.path.basename(inc)} ({theirs})")
    return out


def includes(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r'^\s*#\s*include\s+"([^"]+)"', f.read(), re.M)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))

    # The finder itself must find a circle: a planted one, two deep.
    planted = {"a": {"b": ["f"]}, "b": {"c": ["g"]}, "c": {"a": ["h"]}, "d": {"a": ["i"]}}
    tap(circles(planted) == [["a", "b", "c"]], "the circle finder finds a planted circle")

    folders = sorted(d for d in os.listdir(os.path.join(ROOT, "common"))
                     if os.path.isdir(os.path.join(ROOT, "common", d)))
    loose = sorted(glob.glob(os.path.join(ROOT, "common", "*.[ch]")))
    ok = sorted(LAYERS) == folders and not loose
    tap(ok, f"common/ is the layers {', '.join(LAYERS)}, one folder each, no file outside them",
        [] if ok else [f"folders: {', '.join(folders)}"] +
        [f"outside a layer: {os.path.relpath(p, ROOT)}" for p in loose])
    layer_of = {}
    for layer in LAYERS:
        for h in glob.glob(os.path.join(ROOT, "common", layer, "*.h")):
            layer_of[os.path.basename(h)] = layer
    planted = {"low.h": "util", "high.h": "rpc"}
    tap(upward({"common/util/x.c": ["low.h", "high.h"]}, planted) == ["common/util/x.c (util) includes high.h (rpc)"],
        "the layer check finds a planted upward include")
    srcs = {os.path.relpath(p, ROOT): includes(p)
            for p in sorted(glob.glob(os.path.join(ROOT, "common", "*", "*.[ch]")))}
    bad = upward(srcs, layer_of)
    tap(not bad, f"no file of common/ includes a header of a higher layer ({len(srcs)} files)", bad)

    common_objs = sorted(glob.glob(os.path.join(build, "CMakeFiles", "cameos_*.dir", "common", "*", "*.c.o")))
    n_common_src = len(glob.glob(os.path.join(ROOT, "common", "*", "*.c")))
    tap(len(common_objs) == n_common_src,
        f"every file of common/ is built ({len(common_objs)} objects, {n_common_src} sources)")
    common = symbols(common_objs)
    g = call_graph(common)
    found = circles(g)
    edges = sum(len(v) for v in g.values())
    tap(not found, f"no circle among common/'s {len(common)} files ({edges} calls between files)",
        [l for comp in found for l in describe(g, comp)])
    obj_layer = {os.path.basename(o)[: -len(".c.o")]: os.path.basename(os.path.dirname(o))
                 for o in common_objs}
    up = [f"{a}.c ({obj_layer[a]}) calls {', '.join(sorted(syms)[:4])} of {b}.c ({obj_layer[b]})"
          for a, callees in sorted(g.items()) for b, syms in sorted(callees.items())
          if LAYERS.index(obj_layer[b]) > LAYERS.index(obj_layer[a])]
    tap(not up, "no file of common/ calls a function of a higher layer", up)

    # The planted check of the name rule, then the rule.
    tap(misnamed({"arena": ({"arena_new", "arena", "other_fn"}, set())}) == ["arena.c exports other_fn"],
        "the name rule finds a planted misnamed export")
    bad = misnamed(common)
    tap(not bad, f"every function common/'s {len(common)} files export is named after its file", bad)

    svc_defined = {}
    for svc in SERVICES:
        objs = sorted(glob.glob(os.path.join(build, "CMakeFiles", f"cameos-{svc}.dir", "services", svc, "*.c.o")))
        table = symbols(objs)
        for stem, (defined, _) in table.items():
            for sym in defined:
                svc_defined[sym] = f"services/{svc}/{stem}.c"
        sg = call_graph(table)
        sfound = circles(sg)
        tap(objs and not sfound, f"no circle among services/{svc}'s {len(objs)} files",
            [l for comp in sfound for l in describe(sg, comp)])

    up = [f"common/{stem}.c calls {sym} of {svc_defined[sym]}"
          for stem, (_, undefined) in sorted(common.items()) for sym in sorted(undefined)
          if sym in svc_defined]
    tap(not up, "common/ calls no function defined in services/", up)

    svc_headers = {}
    for svc in SERVICES:
        for h in glob.glob(os.path.join(ROOT, "services", svc, "*.h")):
            svc_headers[os.path.basename(h)] = svc
    bad = []
    for path in sorted(glob.glob(os.path.join(ROOT, "common", "*", "*.[ch]"))):
        for inc in includes(path):
            if "services/" in inc or os.path.basename(inc) in svc_headers:
                bad.append(f"{os.path.relpath(path, ROOT)} includes {inc}")
    tap(not bad, "common/ includes no header of services/", bad)

    for svc in SERVICES:
        bad = []
        for path in sorted(glob.glob(os.path.join(ROOT, "services", svc, "*.[ch]"))):
            for inc in includes(path):
                other = svc_headers.get(os.path.basename(inc))
                if (other and other != svc) or re.search(r"(^|/)\.\./", inc):
                    bad.append(f"{os.path.relpath(path, ROOT)} includes {inc}")
        tap(not bad, f"services/{svc} includes nothing of another service", bad)

    failed = 0
    for i, (ok, text, details) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {text}")
        for d in details:
            print(f"#   {d}")
        failed += not ok
    print(f"1..{len(results)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
