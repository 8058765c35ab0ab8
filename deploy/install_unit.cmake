# Run by `cmake --install` and CPack (install(SCRIPT) in deploy/CMakeLists.txt): installs
# helios-raft@.service with ExecStart pointing at this installation's helios-atlasd. The
# repository's unit names /usr/local/bin/helios-atlasd (make install's default prefix); the
# package (prefix /usr) gets /usr/bin/helios-atlasd. Where it goes: HELIOS_SYSTEMD_UNIT_DIR
# if set, else /lib/systemd/system for the prefix /usr, else <prefix>/lib/systemd/system.
# Inputs (set by the install(CODE) before it): HELIOS_UNIT_SOURCE,
# HELIOS_UNIT_DIR_CONFIGURED, HELIOS_INSTALL_BINDIR; CMAKE_INSTALL_PREFIX and DESTDIR are the
# install's own.
if(HELIOS_UNIT_DIR_CONFIGURED)
  set(_unit_dir "${HELIOS_UNIT_DIR_CONFIGURED}")
elseif(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_unit_dir "/lib/systemd/system")
else()
  set(_unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
if(IS_ABSOLUTE "${HELIOS_INSTALL_BINDIR}")
  set(_exe "${HELIOS_INSTALL_BINDIR}/helios-atlasd")
else()
  set(_exe "${CMAKE_INSTALL_PREFIX}/${HELIOS_INSTALL_BINDIR}/helios-atlasd")
endif()

file(READ "${HELIOS_UNIT_SOURCE}" _unit)
set(_default_exec "ExecStart=/usr/local/bin/helios-atlasd ")
string(FIND "${_unit}" "${_default_exec}" _at)
if(_at LESS 0)
  message(FATAL_ERROR "${HELIOS_UNIT_SOURCE} has no '${_default_exec}' line to rewrite")
endif()
string(REPLACE "${_default_exec}" "ExecStart=${_exe} " _unit "${_unit}")

set(_target "$ENV{DESTDIR}${_unit_dir}/helios-raft@.service")
message(STATUS "Installing: ${_target} (ExecStart=${_exe})")
file(WRITE "${_target}" "${_unit}")
file(CHMOD "${_target}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_target}")
