package uk.gov.ida.eventrecorder.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The database to connect to, parsed from {@code DB_CONNECTION_STRING} in libpq's keyword/value form
 * ({@code host=… dbname=… user=… port=… sslmode=… password=…}) or as a {@code postgresql://} URI, the two forms
 * <a href="https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING">libpq accepts</a>.
 * {@link #toString()} never shows the password.
 */
public record DatabaseSettings(String host, int port, String database, String user, Optional<String> password,
                               Optional<String> sslMode, Optional<String> sslRootCert) {

    static final String VARIABLE = "DB_CONNECTION_STRING";
    private static final Set<String> KEYWORDS = Set.of(
            "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslrootcert");

    public DatabaseSettings {
        require(host, "host");
        require(database, "dbname");
        require(user, "user");
        if (port <= 0 || port > 65535) {
            throw new ConfigurationException(VARIABLE, "has a port outside 1-65535");
        }
    }

    public static DatabaseSettings parse(String connectionString) {
        if (connectionString == null || connectionString.isBlank()) {
            throw new ConfigurationException(VARIABLE, "is required");
        }
        String trimmed = connectionString.strip();
        Map<String, String> values = trimmed.startsWith("postgresql://") || trimmed.startsWith("postgres://")
                ? fromUri(trimmed) : fromKeywords(trimmed);
        for (String keyword : values.keySet()) {
            if (!keyword.matches("[a-z_]{1,40}")) {
                // Not a keyword at all: probably a mis-quoted value, which may be a password, so do not echo it.
                throw new ConfigurationException(VARIABLE, "is malformed: expected keyword=value pairs");
            }
            if (!KEYWORDS.contains(keyword)) {
                throw new ConfigurationException(VARIABLE, "has an unsupported keyword '" + keyword
                        + "' (supported: " + String.join(", ", KEYWORDS.stream().sorted().toList()) + ")");
            }
        }
        int port;
        try {
            port = Integer.parseInt(values.getOrDefault("port", "5432"));
        } catch (NumberFormatException e) {
            throw new ConfigurationException(VARIABLE, "has a port that is not a number");
        }
        String host = values.containsKey("host") ? values.get("host") : values.get("hostaddr");
        return new DatabaseSettings(host, port, values.get("dbname"), values.get("user"),
                Optional.ofNullable(values.get("password")).filter(p -> !p.isEmpty()),
                Optional.ofNullable(values.get("sslmode")), Optional.ofNullable(values.get("sslrootcert")));
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "DatabaseSettings[" + user + "@" + host + ":" + port + "/" + database
                + (password.isPresent() ? ", password=****" : "") + sslMode.map(m -> ", sslmode=" + m).orElse("")
                + "]";
    }

    private static void require(String value, String keyword) {
        if (value == null || value.isBlank()) {
            throw new ConfigurationException(VARIABLE, "lacks '" + keyword + "'");
        }
    }

    /** libpq keyword/value pairs: values may be single-quoted, with backslash escaping a quote or backslash. */
    private static Map<String, String> fromKeywords(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                throw new ConfigurationException(VARIABLE, "is malformed: expected keyword=value pairs");
            }
            String keyword = text.substring(i, eq).strip();
            i = eq + 1;
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(text.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    // Echo the keyword only if it is one: before a mis-quoted value it may be part of a password
                    // (found by fuzzing).
                    throw new ConfigurationException(VARIABLE, "is malformed: unterminated quote"
                            + (keyword.matches("[a-z_]{1,40}") ? " after '" + keyword + "'" : ""));
                }
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = text.charAt(i++);
                    }
                    value.append(c);
                }
            }
            if (keyword.isEmpty()) {
                throw new ConfigurationException(VARIABLE, "is malformed: a value has no keyword");
            }
            values.put(keyword, value.toString());
        }
        return values;
    }

    private static Map<String, String> fromUri(String text) {
        URI uri;
        try {
            uri = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(VARIABLE, "is not a valid postgresql:// URI");
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (uri.getHost() != null) {
            values.put("host", uri.getHost());
        }
        if (uri.getPort() > 0) {
            values.put("port", Integer.toString(uri.getPort()));
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            values.put("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
            if (colon >= 0) {
                values.put("password", decode(userInfo.substring(colon + 1)));
            }
        }
        String path = uri.getRawPath();
        if (path != null && path.length() > 1) {
            if (path.indexOf('/', 1) >= 0 || path.indexOf('@') >= 0) {
                // Not a database name: e.g. the URI pasted twice, whose second copy (with its password) would
                // become the name and be printed wherever the settings are (found by fuzzing).
                throw new ConfigurationException(VARIABLE, "has a path that is not a database name "
                        + "(expected postgresql://user@host:port/dbname)");
            }
            values.put("dbname", decode(path.substring(1)));
        }
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    values.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                }
            }
        }
        return values;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
