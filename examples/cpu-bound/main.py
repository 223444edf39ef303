def handle(args):
    n = int((args or {}).get("n", 200000))
    total = 0
    for i in range(n):
        total += i * i % 7
    return {"n": n, "total": total}
