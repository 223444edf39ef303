package dev.vireo.worker.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of a function's code folder as a short digest: every regular file's path, size and modification time
 * (Python's {@code __pycache__} left out), so that a container made from other code (edited in place since) is told
 * apart from one made from this code. Reads metadata only, never file contents; follows links (a linked folder is
 * walked as its target, a cycle is not followed); stops after {@value #MAX_FILES} files (a bigger folder is told
 * apart by those).
 */
final class CodeState {
    static final int MAX_FILES = 10_000;

    private CodeState() {
    }

    /** 16 hex digits for the folder {@code codeDir} as it is now; empty for no folder, or one that cannot be read. */
    static String of(String codeDir) {
        if (codeDir == null || codeDir.isEmpty()) {
            return "";
        }
        Path root;
        try {
            root = Path.of(codeDir).toRealPath(); // a linked folder (current -> release-N) is walked as its target
        } catch (IOException | RuntimeException e) {
            return "";
        }
        if (!Files.isDirectory(root)) {
            return "";
        }
        List<String> entries = new ArrayList<>();
        int[] count = {0};
        try {
            Files.walkFileTree(root, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.getFileName() != null && dir.getFileName().toString().equals("__pycache__")
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    count[0]++;
                    if (attrs.isRegularFile()) {
                        entries.add(root.relativize(file) + "\t" + attrs.size() + "\t"
                                + attrs.lastModifiedTime().toMillis());
                    }
                    return entries.size() < MAX_FILES ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return "";
        }
        entries.sort(null);
        StringBuilder text = new StringBuilder();
        entries.forEach(e -> text.append(e).append('\n'));
        return Digests.sha256Hex(text.append(count[0]), 8);
    }
}
