-- Reopens the session written by build_session.lua and checks that the controls
-- came back (Morph automation in Play with its two points, Variation 3,
-- Velocity 90), then saves it as snapshot "reopened" (ardour_test.sh compares
-- the anchors in that state with the first save's). env: SESSION_DIR.
local dir = os.getenv("SESSION_DIR")
assert(AudioEngine:set_backend("None (Dummy)", "", ""), "no dummy audio backend")
local s = load_session(dir, "morph16")
assert(s, "cannot load the session in " .. dir)
local route = s:route_by_name("morph")
assert(not route:isnil(), "track morph is gone")
local mv = route:nth_plugin(0)
assert(not mv:isnil() and mv:display_name() == "morphvae", "morphvae is not the first plugin")

local failed = 0
local function expect(what, ok)
  print((ok and "ok: " or "FAILED: ") .. what)
  if not ok then failed = failed + 1 end
end
local control = mv:to_automatable():automation_control(
  Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, 2), false)
local _, events = ARDOUR.LuaAPI.plugin_automation(mv, 0)
expect("Morph automation plays", control:automation_state() == ARDOUR.AutoState.Play)
expect("Morph automation has its 2 points", events:events():size() == 2)
expect("Variation is 3", ARDOUR.LuaAPI.get_processor_param(mv, 6) == 3)
expect("Velocity is 90", ARDOUR.LuaAPI.get_processor_param(mv, 8) == 90)

-- let the engine run the plugins before saving again
for _ = 1, 10 do ARDOUR.LuaAPI.usleep(50000) end
assert(s:save_state("reopened", false, false, false, false, false), "cannot save the snapshot")
close_session()
if failed > 0 then os.exit(1) end
quit()
