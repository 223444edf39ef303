package dev.vireo.bpf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Opens maps a loader pinned, checking each against the layout {@code bpf/vireo_maps.h} promises. */
final class PinnedMaps {
    private PinnedMaps() {
    }

    /**
     * Opens {@code dir/name}, and fails, naming the map and what differs, when it is not a {@code type} map with
     * those key and value sizes.
     */
    static BpfMap open(Path dir, String name, MapType type, int keySize, int valueSize) throws IOException {
        BpfMap map = BpfMap.open(dir.resolve(name));
        if (map.type() != type || map.keySize() != keySize || map.valueSize() != valueSize) {
            String found = map.type() + " key " + map.keySize() + " B value " + map.valueSize() + " B";
            map.close();
            throw new IOException("map " + dir.resolve(name) + " is " + found + ", expected " + type + " key "
                    + keySize + " B value " + valueSize + " B (a loader of another version pinned it?)");
        }
        return map;
    }

    /** Closes every map. */
    static void closeAll(List<BpfMap> maps) {
        maps.forEach(BpfMap::close);
    }
}
