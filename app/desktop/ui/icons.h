// SPDX-License-Identifier: MIT
#pragma once

#include <QIcon>

namespace QtPyVenvApp {

/*!
 * The icon named \a freedesktopName (an Icon Naming Specification name such as
 * "document-new") from the desktop's icon theme, or, where the theme lacks it or no theme
 * is installed (a bare X server, Windows), the app's own drawing of it from the resources.
 */
QIcon themedIcon(const QString &freedesktopName);

} // namespace QtPyVenvApp
