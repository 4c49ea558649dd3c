"""The vote by execution, written plainly in Python on its sqlite3: the independent check of the TypeScript vote in
the tests, and the multiprocessing baseline of the bench.

Input (a JSON file): {"equality": "spider"|"bird"|"exact", "questions": [{"db": PATH, "candidates": [SQL, ...]}]}.
Output (stdout, JSON): {"seconds": wall seconds of the votes, "votes": [{"chosen": i, "groups": [[i, ...], ...]}]}.
Usage: python3 vote-by-execution.py INPUT [PROCESSES]
"""
import json
import random
import re
import sqlite3
import sys
import time
from collections import defaultdict
from itertools import product
from multiprocessing import Pool

TIMEOUT_SECONDS = 30


# test-suite-sql-eval's exec_eval.py result_eq, as published.
def permute_tuple(element, perm):
    return tuple([element[i] for i in perm])


def unorder_row(row):
    return tuple(sorted(row, key=lambda x: str(x) + str(type(x))))


def quick_rej(result1, result2, order_matters):
    s1 = [unorder_row(row) for row in result1]
    s2 = [unorder_row(row) for row in result2]
    if order_matters:
        return s1 == s2
    return set(s1) == set(s2)


def multiset_eq(l1, l2):
    if len(l1) != len(l2):
        return False
    d = defaultdict(int)
    for e in l1:
        d[e] = d[e] + 1
    for e in l2:
        d[e] = d[e] - 1
        if d[e] < 0:
            return False
    return True


def get_constraint_permutation(tab1_sets_by_columns, result2):
    num_cols = len(result2[0])
    perm_constraints = [{i for i in range(num_cols)} for _ in range(num_cols)]
    if num_cols <= 3:
        return product(*perm_constraints)
    for _ in range(20):
        random_tab2_row = random.choice(result2)
        for tab1_col in range(num_cols):
            for tab2_col in set(perm_constraints[tab1_col]):
                if random_tab2_row[tab2_col] not in tab1_sets_by_columns[tab1_col]:
                    perm_constraints[tab1_col].remove(tab2_col)
    return product(*perm_constraints)


def result_eq(result1, result2, order_matters):
    if len(result1) == 0 and len(result2) == 0:
        return True
    if len(result1) != len(result2):
        return False
    num_cols = len(result1[0])
    if len(result2[0]) != num_cols:
        return False
    if not quick_rej(result1, result2, order_matters):
        return False
    tab1_sets_by_columns = [{row[i] for row in result1} for i in range(num_cols)]
    for perm in get_constraint_permutation(tab1_sets_by_columns, result2):
        if len(perm) != len(set(perm)):
            continue
        if num_cols == 1:
            result2_perm = result2
        else:
            result2_perm = [permute_tuple(element, perm) for element in result2]
        if order_matters:
            if result1 == result2_perm:
                return True
        else:
            if set(result1) == set(result2_perm) and multiset_eq(result1, result2_perm):
                return True
    return False


def equal(equality, first, candidate):
    if equality == "spider":
        return result_eq(first, candidate, order_matters=False)
    if equality == "bird":
        return set(first) == set(candidate)
    return first == candidate


BLANK = re.compile(r"--[^\n]*|/\*.*?(\*/|$)|;|\s", re.S)
connections = {}


def execute(db, sql):
    """The candidate's rows, or None when it fails (an empty text is no answer)."""
    if BLANK.sub("", sql) == "":
        return None
    connection = connections.get(db)
    if connection is None:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        connection.text_factory = lambda b: b.decode(errors="ignore")
        connections[db] = connection
    deadline = time.monotonic() + TIMEOUT_SECONDS
    connection.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10000)
    try:
        return connection.execute(sql).fetchall()
    except Exception:
        return None


def vote(job):
    equality, question = job
    groups = []  # [first member's rows, [members]]
    for index, sql in enumerate(question["candidates"]):
        rows = execute(question["db"], sql)
        if rows is None:
            continue
        for group in groups:
            if equal(equality, group[0], rows):
                group[1].append(index)
                break
        else:
            groups.append([rows, [index]])
    if not groups:
        return {"chosen": 0, "groups": []}
    best = groups[0]
    for group in groups[1:]:
        if len(group[1]) > len(best[1]):
            best = group
    return {"chosen": best[1][0], "groups": [members for _, members in groups]}


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        data = json.load(file)
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    jobs = [(data["equality"], question) for question in data["questions"]]
    started = time.perf_counter()
    if processes == 1:
        votes = [vote(job) for job in jobs]
    else:
        with Pool(processes) as pool:
            votes = pool.map(vote, jobs, chunksize=16)
    seconds = time.perf_counter() - started
    json.dump({"seconds": seconds, "votes": votes}, sys.stdout)


if __name__ == "__main__":
    main()
