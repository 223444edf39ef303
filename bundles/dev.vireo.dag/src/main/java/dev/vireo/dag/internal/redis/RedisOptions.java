package dev.vireo.dag.internal.redis;

import dev.vireo.api.model.ValidationException;

/** {@link RedisStore.Config} checked once and turned into values. */
record RedisOptions(String host, int port, String username, String password, int database, String keyPrefix,
        int connectTimeoutMs, int readTimeoutMs, int poolSize) {

    /** The defaults of the metatype, on another port (tests' private servers). */
    static RedisOptions local(int port, String keyPrefix) {
        return new RedisOptions("127.0.0.1", port, "", "", 0, keyPrefix, 2_000, 10_000, 8);
    }

    RedisOptions {
        if (host == null || host.isBlank()) {
            throw new ValidationException("host", "must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new ValidationException("port", port + " is not a TCP port (1-65535)");
        }
        if (database < 0) {
            throw new ValidationException("database", database + " must be at least 0");
        }
        if (keyPrefix == null || keyPrefix.isEmpty()) {
            throw new ValidationException("key.prefix", "must not be empty (other data may share the database)");
        }
        if (connectTimeoutMs < 1) {
            throw new ValidationException("connect.timeout.ms", connectTimeoutMs + " must be at least 1 ms");
        }
        if (readTimeoutMs < 1) {
            throw new ValidationException("read.timeout.ms", readTimeoutMs + " must be at least 1 ms");
        }
        if (poolSize < 1 || poolSize > 1_024) {
            throw new ValidationException("pool.size", poolSize + " must be 1-1024");
        }
        username = username == null ? "" : username;
        password = password == null ? "" : password;
    }

    /** Without the password. */
    @Override
    public String toString() {
        return host + ":" + port + " db " + database + " prefix '" + keyPrefix + "'" + (username.isEmpty() ? ""
                : " user " + username) + (password.isEmpty() ? "" : " (password set)") + ", pool " + poolSize;
    }

    static RedisOptions of(RedisStore.Config c) {
        return new RedisOptions(c.host().trim(), c.port(), c.username().trim(), c._password(), c.database(),
                c.key_prefix(), c.connect_timeout_ms(), c.read_timeout_ms(), c.pool_size());
    }
}
