package dev.vireo.backend.support;

import java.nio.file.Path;

/** Where backends find the image archives of ./vireo image build (tools/vireo_image.py names them the same way). */
public final class ImageArchives {
    private ImageArchives() {
    }

    /** The configured directory, else the launcher's {@code vireo.images.dir}, else {@code <run dir>/images}. */
    public static Path dir(String configured, String launcherProperty, Path runDir) {
        return !configured.isBlank() ? Path.of(configured)
                : launcherProperty != null && !launcherProperty.isBlank() ? Path.of(launcherProperty) : runDir.resolve("images");
    }

    /** {@code <dir>/<reference with / : @ as _>.tar}. */
    public static Path archive(Path dir, String reference) {
        return dir.resolve(reference.replaceAll("[/:@]", "_") + ".tar");
    }
}
