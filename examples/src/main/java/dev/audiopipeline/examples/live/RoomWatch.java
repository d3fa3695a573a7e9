package dev.audiopipeline.examples.live;

import dev.audiopipeline.livekit.LiveKitRoomSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a {@link LiveModel}'s status line in step with a LiveKit room: joining, connected, the
 * resume and rejoin counts (read twice a second on thread {@code live-room-status}), failed.
 */
public final class RoomWatch implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private volatile String state = "joining";

  private RoomWatch(LiveKitRoomSource room, LiveModel model) {
    room.joined()
        .whenComplete(
            (ok, error) -> state = error == null ? "connected" : "failed: " + error.getMessage());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "live-room-status");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          int reconnects = room.resumeCount() + room.rejoinCount();
          String st = state;
          LiveModel.Status now = model.status();
          if (!now.done() && (!now.connection().equals(st) || now.reconnects() != reconnects)) {
            model.status(
                s ->
                    new LiveModel.Status(
                        st,
                        reconnects,
                        s.providerReconnects(),
                        s.muted(),
                        s.volume(),
                        s.note(),
                        s.done()));
          }
        },
        0,
        500,
        TimeUnit.MILLISECONDS);
  }

  /** Starts watching {@code room}. */
  public static RoomWatch start(LiveKitRoomSource room, LiveModel model) {
    return new RoomWatch(room, model);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
