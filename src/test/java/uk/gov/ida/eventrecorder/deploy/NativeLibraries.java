package uk.gov.ida.eventrecorder.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The native libraries inside a jar, and which of them have no aarch64 build. The functions default to arm64, so
 * an HTTP client or driver that ships native code (the AWS CRT client does, per platform) must ship it for
 * aarch64 too, or the function fails on its first call there.
 */
final class NativeLibraries {
    private static final Pattern NATIVE = Pattern.compile(".*\\.(so(\\.\\d+)*|dylib|jnilib|dll)$");
    private static final Pattern ARM64 = Pattern.compile(".*(aarch64|arm64|aarch_64).*");
    // Platform words that name a build rather than the library, removed to find the library's own name.
    private static final Pattern PLATFORM = Pattern.compile(
            "(linux|osx|darwin|macos|windows|win32|win64|musl|glibc|gnu|x86_64|x86-64|amd64|x64|x86|i386|i686|"
                    + "aarch64|aarch_64|aarch|arm64|armv7|arm|ppc64le|s390x|riscv64|native|lib|\\d+)");

    private NativeLibraries() {
    }

    /** Every native library in the jar, by its platform-free name, with the entries that carry it. */
    static Map<String, List<String>> in(Path jar) throws IOException {
        Map<String, List<String>> libraries = new TreeMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                String name = entry.getName().toLowerCase(Locale.ROOT);
                if (!entry.isDirectory() && NATIVE.matcher(name).matches()) {
                    libraries.computeIfAbsent(libraryName(name), k -> new ArrayList<>()).add(entry.getName());
                }
            }
        }
        return libraries;
    }

    /** The libraries none of whose entries is built for aarch64. */
    static List<String> withoutArm64Build(Path jar) throws IOException {
        List<String> missing = new ArrayList<>();
        in(jar).forEach((library, entries) -> {
            if (entries.stream().noneMatch(e -> ARM64.matcher(e.toLowerCase(Locale.ROOT)).matches())) {
                missing.add(library + " " + entries);
            }
        });
        return missing;
    }

    private static String libraryName(String entry) {
        String file = entry.substring(entry.lastIndexOf('/') + 1);
        String base = file.replaceAll("\\.(so(\\.\\d+)*|dylib|jnilib|dll)$", "").replaceFirst("^lib", "");
        return String.join("-", List.of(base.split("[-_.]")).stream()
                .filter(part -> !part.isEmpty() && !PLATFORM.matcher(part).matches()).toList());
    }
}
