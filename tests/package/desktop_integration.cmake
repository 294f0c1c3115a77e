# package.desktop_integration: the .desktop file, the icon and the AppStream metainfo the qtpyvenv
# package installs pass desktop-file-validate and appstreamcli (offline), and refer to each other.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
find_packages()
set(root ${WORK_DIR}/root)
fresh_dir(${root})
run(${DPKG_DEB} --extract ${RUNTIME_DEB} ${root})

set(desktop ${root}/usr/share/applications/${APP_ID}.desktop)
set(metainfo ${root}/usr/share/metainfo/${APP_ID}.metainfo.xml)
set(icon ${root}/usr/share/icons/hicolor/scalable/apps/qtpyvenv.svg)

run(${DESKTOP_FILE_VALIDATE} ${desktop} OUTPUT out)
message(STATUS "${out}")
file(READ ${desktop} entries)
string(REPLACE ";" "|" entries "${entries}") # no CMake list separators: "|" stands for ";"
foreach(entry "Type=Application" "Name=QtPyVenv" "Exec=qtpyvenv" "Icon=qtpyvenv"
        "Categories=Development|Science|Qt|" "Terminal=false")
    string(FIND "\n${entries}" "\n${entry}\n" at)
    check(at GREATER -1 MESSAGE "${APP_ID}.desktop has the line ${entry}")
endforeach()

file(READ ${icon} svg)
check(svg MATCHES "<svg[^>]*viewBox=" MESSAGE "the icon is a scalable SVG")

run(${APPSTREAMCLI} validate --no-net --strict --explain ${metainfo} OUTPUT out)
message(STATUS "${out}")
# The installed tree as a whole: the metainfo's launchable is the .desktop file, its icon exists.
run(${APPSTREAMCLI} validate-tree --no-net --strict --explain ${root} OUTPUT out)
message(STATUS "${out}")
file(READ ${metainfo} xml)
foreach(element "<id>${APP_ID}</id>" "<launchable type=\"desktop-id\">${APP_ID}.desktop</launchable>"
        "<project_license>MIT</project_license>" "<content_rating type=\"oars-1.1\"" "<release version=\"${VERSION}\"")
    string(FIND "${xml}" "${element}" at)
    check(at GREATER -1 MESSAGE "the metainfo has ${element}")
endforeach()
