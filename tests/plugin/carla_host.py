#!/usr/bin/env python3
"""Carla's engine, headless through its Python ctypes API, hosting morphvae.lv2
on a JACK server (carla_e2e.sh starts the server and jack_midi_dump).

  carla_host.py play   CARLA_DIR URI STATE DUMP_LOG MARKS   a pop preset, morph 0
                        then morph 1 played from bar 1, the state saved (morph 0)
  carla_host.py reload CARLA_DIR URI STATE DUMP_LOG MARKS   a fresh engine: the
                        plugin at its defaults played (morph 0), then morph 1 and
                        the saved state loaded, played
  carla_host.py check  DUMP_LOG MARKS JACKD_LOG             judges the dump

The engine runs in multi-client mode (the plugin is its own JACK client,
`morphvae`) with JACK transport; Carla's engine client is then the JACK
timebase master (it registers a conditional timebase callback at init and fills
bar, beat and tick from the frame and its tempo, ticks as doubles), and Carla
forwards that BBT to the plugin as time:Position every cycle. (JACK's example
jack_transport is not used: it adds whole ticks per period, 20 instead of
20.48 at 120 BPM, 48 kHz, 256 frames, so a plugin that follows the BBT plays
at 117.2 BPM there.) Each segment: stop, locate frame 0, play until the
transport has passed BARS bars, stop; MARKS gets `name first_line last_line`
of DUMP_LOG for it (jackd runs synchronously, so the dump has every event of a
cycle once the cycle is over).
"""
import os
import sys
import time

FRAMES_PER_16TH = 6000          # 120 BPM at 48 kHz
BAR = 16 * FRAMES_PER_16TH
BARS = 3                        # per segment: more than the 2-bar phrase


def fail(msg):
    print("carla_host: " + msg, file=sys.stderr)
    sys.exit(1)


def dump_lines(path):
    with open(path, errors="replace") as f:
        return sum(1 for _ in f)


class Session:
    def __init__(self, carla_dir, uri, dump_log, marks):
        sys.path.insert(0, os.path.join(carla_dir, "source", "frontend"))
        import carla_backend as cb
        self.cb = cb
        self.dump_log = dump_log
        self.marks = marks
        lib = os.path.join(carla_dir, "bin", "libcarla_standalone2.so")
        self.host = host = cb.CarlaHostDLL(lib, False)
        host.set_engine_option(cb.ENGINE_OPTION_PATH_BINARIES, 0, os.path.join(carla_dir, "bin"))
        host.set_engine_option(cb.ENGINE_OPTION_PROCESS_MODE,
                               cb.ENGINE_PROCESS_MODE_MULTIPLE_CLIENTS, "")
        host.set_engine_option(cb.ENGINE_OPTION_TRANSPORT_MODE, cb.ENGINE_TRANSPORT_MODE_JACK, "")
        host.set_engine_option(cb.ENGINE_OPTION_PLUGIN_PATH, cb.PLUGIN_LV2, os.environ["LV2_PATH"])
        if not host.engine_init("JACK", "carla"):
            fail("engine_init(JACK) failed: " + host.get_last_error())
        self.idle(0.2)
        if not host.add_plugin(cb.BINARY_NATIVE, cb.PLUGIN_LV2, "", "morphvae", uri, 0, None, 0):
            fail("add_plugin(%s) failed: %s" % (uri, host.get_last_error()))
        self.idle(0.3)
        self.params = {}
        for i in range(host.get_parameter_count(0)):
            self.params[host.get_parameter_info(0, i)["symbol"]] = i
        if "morph" not in self.params:
            fail("no morph parameter among %s" % sorted(self.params))
        # the plugin's own unit (mv:stddev, units:render "%.2f sd"): Carla
        # warns "got unknown unit" but takes its symbol
        unit = host.get_parameter_info(0, self.params["density"])["unit"]
        if unit != "sd":
            fail("Carla shows Density's unit as %r, not 'sd'" % unit)
        host.transport_bpm(120.0)
        self.idle(0.2)

    def idle(self, seconds):
        end = time.monotonic() + seconds
        while True:
            self.host.engine_idle()
            if time.monotonic() >= end:
                return
            time.sleep(0.02)

    def set(self, symbol, value):
        self.host.set_parameter_value(0, self.params[symbol], value)
        self.idle(0.1)

    def connect_dump(self):
        import subprocess
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout.split("\n")
        outs = [p for p in ports if p.startswith("morphvae:") and "out" in p.lower()]
        dump = [p for p in ports if p.startswith("mvdump:")]
        if not outs or not dump:
            fail("no morphvae output or mvdump port among %s" % ports)
        midi = [p for p in outs if "midi" in p.lower()] or outs
        if subprocess.run(["jack_connect", midi[0], dump[0]]).returncode:
            fail("jack_connect %s %s failed" % (midi[0], dump[0]))
        print("carla_host: %s -> %s (ports: %s)" % (midi[0], dump[0], " ".join(outs)))
        self.idle(0.3)

    def segment(self, name):
        host = self.host
        host.transport_pause()
        host.transport_relocate(0)
        self.idle(0.5)
        if host.get_transport_info()["playing"]:
            fail("the transport still rolls after transport_pause()")
        first = dump_lines(self.dump_log)
        host.transport_play()
        t0 = time.monotonic()
        while host.get_current_transport_frame() < BARS * BAR:
            self.idle(0.05)
            if time.monotonic() - t0 > 90:
                fail("segment %s: the transport did not pass %d bars in 90 s (frame %d)"
                     % (name, BARS, host.get_current_transport_frame()))
        info = host.get_transport_info()
        host.transport_pause()
        # The BBT Carla sends is the frame's at 120 BPM in 4/4 (1920 ticks a
        # beat, 24000 frames): not drifting like jack_transport's whole ticks.
        beats = info["frame"] / 24000.0
        want = (int(beats // 4) + 1, int(beats % 4) + 1, (beats - int(beats)) * 1920)
        if (info["bar"], info["beat"]) != want[:2] or abs(info["tick"] - want[2]) > 1.5:
            fail("segment %s: at frame %d Carla's BBT is %d|%d|%d, not %d|%d|%.1f"
                 % (name, info["frame"], info["bar"], info["beat"], info["tick"], *want))
        self.idle(1.0)
        last = dump_lines(self.dump_log)
        with open(self.marks, "a") as f:
            f.write("%s %d %d %d %d %d\n" % (name, first, last, info["bar"], info["beat"], info["tick"]))
        print("carla_host: segment %s: dump lines %d-%d, transport at bar %d beat %d tick %d"
              % (name, first, last, info["bar"], info["beat"], info["tick"]))

    def close(self):
        self.host.transport_pause()
        self.idle(0.2)
        self.host.remove_all_plugins()
        self.idle(0.2)
        if not self.host.engine_close():
            fail("engine_close failed: " + self.host.get_last_error())


def play(carla_dir, uri, state, dump_log, marks):
    s = Session(carla_dir, uri, dump_log, marks)
    host = s.host
    names = [host.get_program_name(0, i) for i in range(host.get_program_count(0))]
    pop = [i for i, n in enumerate(names) if n.lower().startswith("pop")]
    if not pop:
        fail("no Pop preset among Carla's %d programs: %s" % (len(names), names[:5]))
    host.set_program(0, pop[0])
    s.idle(1.0)   # the preset's anchors reach the plugin through its worker
    print("carla_host: preset %r (program %d of %d)" % (names[pop[0]], pop[0], len(names)))
    s.set("morph", 0.0)
    s.connect_dump()
    s.segment("morph0")
    s.set("morph", 1.0)
    s.segment("morph1")
    s.set("morph", 0.0)
    if not host.save_plugin_state(0, state):
        fail("save_plugin_state failed: " + host.get_last_error())
    s.close()


def reload(carla_dir, uri, state, dump_log, marks):
    s = Session(carla_dir, uri, dump_log, marks)
    s.set("morph", 0.0)
    s.connect_dump()
    s.segment("fresh")    # the plugin's defaults: not the preset's notes
    s.set("morph", 1.0)   # not what the state holds
    if not s.host.load_plugin_state(0, state):
        fail("load_plugin_state failed: " + s.host.get_last_error())
    s.idle(1.0)
    morph = s.host.get_current_parameter_value(0, s.params["morph"])
    if morph != 0.0:
        fail("morph is %g after loading the state saved at 0" % morph)
    s.segment("reload")
    s.close()


def parse_dump(path):
    """jack_midi_dump -a lines: ' <frame>: 90 3c 64 note on  (channel  0): pitch  60, velocity 100'"""
    events = []
    with open(path, errors="replace") as f:
        for line in f:
            parts = line.split()
            if " note o" not in line or not parts or not parts[0].endswith(":"):
                events.append(None)
                continue
            frame = int(parts[0][:-1])
            status = int(parts[1], 16)
            pitch = int(parts[2], 16)
            vel = int(parts[3], 16)
            on = (status & 0xF0) == 0x90 and vel > 0
            events.append((frame, status & 0x0F, pitch, on))
    return events


def check(dump_log, marks, jackd_log):
    events = parse_dump(dump_log)
    with open(jackd_log, errors="replace") as f:
        missed = f.read().count("not finished")
    segs = {}
    with open(marks) as f:
        for line in f:
            name, a, b, bar, beat, tick = line.split()
            segs[name] = (int(a), int(b), int(bar), int(beat), int(tick))
    for name in ("morph0", "morph1", "fresh", "reload"):
        if name not in segs:
            fail("segment %s missing from %s" % (name, marks))
    phrases = {}
    for name, (a, b, bar, beat, tick) in segs.items():
        ev = [e for e in events[a:b] if e is not None]
        ons = [e for e in ev if e[3]]
        if len(ons) < 4:
            fail("segment %s: only %d note-ons" % (name, len(ons)))
        # pairing: each note-on ends (note-off) before its key sounds again,
        # and none sounds after the stop
        sounding, doubled, stray = set(), 0, 0
        for frame, ch, pitch, on in ev:
            key = (ch, pitch)
            if on:
                doubled += key in sounding
                sounding.add(key)
            elif key in sounding:
                sounding.discard(key)
            else:
                stray += 1
        if sounding or doubled or stray:
            fail("segment %s: of %d note-ons, %d never ended, %d struck a sounding key; %d stray note-offs"
                 % (name, len(ons), len(sounding), doubled, stray))
        # timing: Carla's BBT at 120 BPM puts every note-on on the 16th grid
        # (6000 frames); a follower of a drifting BBT (117.2 BPM) would not be.
        t0 = ons[0][0]
        off_grid = [f - t0 for f, _, _, _ in ons
                    if min((f - t0) % FRAMES_PER_16TH, -(f - t0) % FRAMES_PER_16TH) > 1]
        if len(off_grid) > missed:
            fail("segment %s: %d of %d note-ons off the 16th grid (offsets %s; %d missed cycles)"
                 % (name, len(off_grid), len(ons), off_grid[:5], missed))
        span = ons[-1][0] - t0
        if span > BARS * BAR + BAR:
            fail("segment %s: notes over %d frames, more than the %d bars played" % (name, span, BARS))
        # the first two bars (the phrase) as (16th step, pitch)
        phrases[name] = sorted((round((f - t0) / FRAMES_PER_16TH), p) for f, _, p, _ in ons
                               if f - t0 < 2 * BAR)
        print("carla_e2e: %s: %d note-ons over %.2f bars, all on the grid and ended; transport stopped at "
              "bar %d beat %d tick %d" % (name, len(ons), span / BAR, bar, beat, tick))
    if phrases["morph0"] == phrases["morph1"]:
        fail("morph 0 and morph 1 played the same phrase: %s" % phrases["morph0"])
    if phrases["fresh"] == phrases["morph0"]:
        fail("a fresh plugin at its defaults plays the preset's phrase: the reload would prove nothing")
    if phrases["reload"] != phrases["morph0"]:
        fail("the reloaded state plays other notes than before the save:\n  before %s\n  after  %s"
             % (phrases["morph0"], phrases["reload"]))
    print("carla_e2e: morph 0 and morph 1 differ, the plugin's defaults differ from the preset; "
          "the reloaded state plays the same %d notes"
          % len(phrases["reload"]))


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode in ("play", "reload") and len(sys.argv) == 7:
        (play if mode == "play" else reload)(*sys.argv[2:])
    elif mode == "check" and len(sys.argv) == 5:
        check(*sys.argv[2:])
    else:
        fail(__doc__)
