package dev.audiopipeline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP proxy on 127.0.0.1 that a test puts between a client (the bot, a worker) and a server
 * (livekit-server), so that it can break a connection from outside, as a network failure would:
 * {@link #cut(int)} resets one connection (both sides see a TCP reset, no close frame), {@link
 * #cutAll()} every one, while new connections are still forwarded. Threads are named {@code
 * test-tcp-proxy-*} and stop on {@link #close()}.
 */
public final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Socket[]> open = new CopyOnWriteArrayList<>();
  private final Map<Integer, Socket[]> byIndex = new ConcurrentHashMap<>();
  private final List<Thread> pumps = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean closed;

  /** Listens on an ephemeral port of 127.0.0.1 and forwards to {@code host:port}. */
  public TcpProxy(String host, int port) throws IOException {
    this.target = new InetSocketAddress(host, port);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "test-tcp-proxy-accept");
    this.acceptor.setDaemon(true);
    this.acceptor.start();
  }

  /** The proxy's port on 127.0.0.1. */
  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /**
   * Resets the {@code n}-th accepted connection (1-based) if it is still open; returns whether it
   * was.
   */
  public boolean cut(int n) {
    Socket[] pair = byIndex.get(n);
    if (pair == null || !open.remove(pair)) {
      return false;
    }
    for (Socket s : pair) {
      reset(s);
    }
    return true;
  }

  /** Resets every connection open through the proxy; returns how many there were. */
  public int cutAll() {
    List<Socket[]> now = new ArrayList<>(open);
    for (Socket[] pair : now) {
      for (Socket s : pair) {
        reset(s);
      }
      open.remove(pair);
    }
    return now.size();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      int n = accepted.incrementAndGet();
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 5_000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
      } catch (IOException e) {
        reset(client);
        reset(upstream);
        continue;
      }
      Socket[] pair = {client, upstream};
      open.add(pair);
      byIndex.put(n, pair);
      pump(client, upstream, "test-tcp-proxy-" + n + "-up", pair);
      pump(upstream, client, "test-tcp-proxy-" + n + "-down", pair);
    }
  }

  private void pump(Socket from, Socket to, String name, Socket[] pair) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int r;
                while ((r = in.read(buf)) >= 0) {
                  out.write(buf, 0, r);
                  out.flush();
                }
                to.shutdownOutput(); // pass an orderly close on
              } catch (IOException e) {
                // reset or closed: end both sides
                open.remove(pair);
                reset(from);
                reset(to);
              }
            },
            name);
    t.setDaemon(true);
    pumps.add(t);
    t.start();
  }

  private static void reset(Socket s) {
    try {
      if (!s.isClosed()) {
        s.setSoLinger(true, 0); // RST instead of FIN
      }
    } catch (SocketException ignored) {
      // already gone
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    cutAll();
    acceptor.join(5_000);
    for (Thread t : pumps) {
      t.join(5_000);
    }
  }
}
