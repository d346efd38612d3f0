package io.coronet.ffi;

/**
 * A numeric host (IPv4 dotted or IPv6 text, as getnameinfo(3) prints it with NI_NUMERICHOST) and
 * a port. Deliberately not java.net: no resolution, no caching, nothing hidden.
 */
public record SocketAddress(String host, int port) {

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
