#!/usr/bin/env python3
"""A test IP camera: GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0, python3-gi) serving a live
test picture in H.264 or H.265 with AAC audio, as cameras do, for the tests (rtsp-test-camera.ts starts it).

  rtsp-test-camera.py --port 0 --path /stream --codec h264|h265 --width 640 --height 360 --fps 15
                      --keyframe-interval 15 [--user U --password P] [--no-audio]

Writes JSON lines on stdout: {"event":"listening","port":N,"url":"rtsp://127.0.0.1:N/stream"} once the socket is
bound, then {"event":"frames","sent":N,"clients":C,"latest":L} about every 200 ms (video frames encoded for clients since
the start: the frame count the tests compare GetMedia's against). SIGTERM/SIGINT stop it; SIGKILL is a power cut.

Cheap on purpose: a small picture, low frame rate, the fastest encoder presets. Each client gets its own pipeline
(not shared), so every client starts on a keyframe, like a camera's per-session encoder.
"""
import argparse
import json
import signal
import sys
import threading

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--path', default='/stream')
    p.add_argument('--codec', choices=['h264', 'h265'], default='h264')
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--height', type=int, default=360)
    p.add_argument('--fps', type=int, default=15)
    p.add_argument('--keyframe-interval', type=int, default=15, help='frames between keyframes (GOP length)')
    p.add_argument('--bitrate', type=int, default=400, help='video kbit/s')
    p.add_argument('--user')
    p.add_argument('--password')
    p.add_argument('--no-audio', action='store_true')
    return p.parse_args()


def launch_line(a):
    caps = f'video/x-raw,width={a.width},height={a.height},framerate={a.fps}/1'
    video = f'videotestsrc is-live=true pattern=ball ! {caps} ! '
    if a.codec == 'h264':
        video += (f'x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate={a.bitrate} '
                  f'key-int-max={a.keyframe_interval} bframes=0 threads=1 ! video/x-h264,profile=baseline ! '
                  'h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1')
    else:
        video += (f'x265enc name=enc tune=zerolatency speed-preset=ultrafast bitrate={a.bitrate} '
                  f'key-int-max={a.keyframe_interval} option-string="bframes=0:pools=1:frame-threads=1" ! '
                  'h265parse config-interval=-1 ! rtph265pay name=pay0 pt=96 config-interval=-1')
    audio = ''
    if not a.no_audio:
        audio = (' audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! audio/x-raw,rate=16000,channels=1 ! '
                 'audioconvert ! avenc_aac bitrate=32000 ! aacparse ! rtpmp4gpay name=pay1 pt=97')
    return f'( {video}{audio} )'


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.clients = 0
        # Frames of the newest media (one per client session, the factory is not shared): what the client that
        # connected last got, e.g. the producer's ffmpeg after its ffprobe probes.
        self.latest = 0
        self.media = 0


def main():
    a = parse_args()
    Gst.init(None)
    counter = Counter()
    server = GstRtspServer.RTSPServer()
    server.set_address(a.host)
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(a))
    factory.set_shared(False)

    def on_media_configure(_factory, media):
        with counter.lock:
            counter.media += 1
            counter.latest = 0
            number = counter.media

        def on_frame(_pad, _info):
            with counter.lock:
                counter.sent += 1
                if number == counter.media:
                    counter.latest += 1
            return Gst.PadProbeReturn.OK

        enc = media.get_element().get_by_name('enc')
        enc.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, on_frame)

    factory.connect('media-configure', on_media_configure)

    if a.user is not None:
        # Basic auth, as most IP cameras offer: the user's role may open and construct the media, nobody else.
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string('media.factory.role', 'camera-user')
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password or ''), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role('camera-user', 'media.factory.access', True)
        permissions.add_permission_for_role('camera-user', 'media.factory.construct', True)
        factory.set_permissions(permissions)

    server.get_mount_points().add_factory(a.path, factory)

    def on_client(_server, client):
        with counter.lock:
            counter.clients += 1

        def on_closed(_client):
            with counter.lock:
                counter.clients -= 1

        client.connect('closed', on_closed)

    server.connect('client-connected', on_client)
    if server.attach(None) == 0:
        print(json.dumps({'event': 'error', 'message': f'cannot listen on {a.host}:{a.port}'}), flush=True)
        sys.exit(1)
    port = server.get_bound_port()
    print(json.dumps({'event': 'listening', 'port': port, 'url': f'rtsp://{a.host}:{port}{a.path}'}), flush=True)

    def report():
        with counter.lock:
            line = {'event': 'frames', 'sent': counter.sent, 'clients': counter.clients, 'latest': counter.latest}
        print(json.dumps(line), flush=True)
        return True

    GLib.timeout_add(200, report)
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    loop.run()
    report()


if __name__ == '__main__':
    main()
