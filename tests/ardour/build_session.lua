-- Builds the 16-bar test session (run by ardour_test.sh through ardour7-lua):
-- track "morph": morphvae (a preset's anchors, Morph automated 0 -> 1 over 16
-- bars, Temperature 0, Variation 3, Velocity 90) into ACE Reasonable Synth;
-- track "defaults": morphvae as created (default anchors), no instrument.
-- env: SESSION_DIR (created), PLUGIN_URI.
local dir, uri = os.getenv("SESSION_DIR"), os.getenv("PLUGIN_URI")
assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy audio backend")
local s = create_session(dir, "morph16", 48000)
assert(s, "cannot create the session in " .. dir)

local synth = ARDOUR.LuaAPI.new_plugin_info("https://community.ardour.org/node/7596", ARDOUR.PluginType.LV2)
assert(not synth:isnil(), "ACE Reasonable Synth is not installed")
local midi = ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1)

local function add_track(name, instrument)
  local tracks = s:new_midi_track(midi, midi, true, instrument, nil, nil, 1, name,
    ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
  assert(tracks:size() == 1, "cannot add track " .. name)
  local mv = ARDOUR.LuaAPI.new_plugin(s, uri, ARDOUR.PluginType.LV2, "")
  assert(not mv:isnil(), uri .. " is not on LV2_PATH")
  assert(tracks:front():add_processor_by_index(mv, 0, nil, true) == 0)
  return mv
end
local mv = add_track("morph", synth)
add_track("defaults", ARDOUR.PluginInfo())

-- The first POP909 preset (for the bundle's melody model): its anchors are not
-- the defaults.
local plugin = mv:to_insert():plugin(0)
local preset = nil
for p in plugin:get_info():get_presets(false):iter() do
  if not preset and p.uri:lower():find("pop") then preset = p end
end
assert(preset, "no morphvae preset found (presets bundle not on LV2_PATH?)")
assert(plugin:load_preset(preset), "cannot load preset " .. preset.label)
print("preset: " .. preset.label)

-- Parameters count the plugin's control inputs: 0 Morph (port 2), 6 Variation,
-- 8 Velocity, 5 Temperature.
local bar = 2 * 48000 -- a 4/4 bar at Ardour's default 120 BPM
local list, events, desc = ARDOUR.LuaAPI.plugin_automation(mv, 0)
assert(desc.label == "Morph", "parameter 0 is " .. desc.label)
events:add(Temporal.timepos_t(0), 0.0, false, false)
events:add(Temporal.timepos_t(16 * bar), 1.0, false, false)
mv:to_automatable():automation_control(
  Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, 2), false):set_automation_state(ARDOUR.AutoState.Play)
assert(ARDOUR.LuaAPI.set_processor_param(mv, 5, 0.0))
assert(ARDOUR.LuaAPI.set_processor_param(mv, 6, 3))
assert(ARDOUR.LuaAPI.set_processor_param(mv, 8, 90))

assert(s:save_state("", false, false, false, false, false), "cannot save the session")
close_session()
quit()
