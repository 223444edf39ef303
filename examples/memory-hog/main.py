def handle(args):
    mb = int((args or {}).get("mb", 64))
    block = bytearray(mb * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return {"allocated_mb": mb}
