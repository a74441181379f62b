"""``nb2pkg test``: run notebooks as tests, each in a fresh process, several at a time.

    runner      the command: select notebooks, plan jobs, start the server, collect outcomes
    jobs        notebook → Job: which cells run, which are skipped, which are imported
    protocol    the values that cross process boundaries (Job, Outcome) and their JSON form
    server      the process that forks one child per notebook and enforces timeouts
    child       runs one notebook in an in-process IPython shell, reports its outcome
    shell       the capturing IPython shell used by the child
    outputs     text outputs: sanitising and comparing (--check-outputs)
    report      outcome lines, failure details, summary, GitHub annotations
    pytest_plugin   ``pytest --nb2pkg``: one test item per notebook

Only ``child`` and ``shell`` import IPython; the command's own process never does.
"""
