// SPDX-License-Identifier: MIT
// The third-party venv the pydata tests share, kept per build tree (QTPYVENV_PYDATA_BASE_DIR).
// Every test asks for the same requirements, so pip runs once and not again for another test.
#pragma once

#include "testutil.h"

namespace Pydata {

inline QStringList requirements()
{
    return {TestUtil::str("numpy"), TestUtil::str("pandas"), TestUtil::str("matplotlib"), TestUtil::str("tqdm")};
}

//! pip options from $QTPYVENV_PYDATA_WHEELS (a wheel directory, for machines without the index).
inline QStringList pipOptions()
{
    const QString wheels = qEnvironmentVariable("QTPYVENV_PYDATA_WHEELS");
    if (wheels.isEmpty())
        return {};
    return {TestUtil::str("--no-index"), TestUtil::str("--find-links"), wheels};
}

//! A config of the shared venv, loading \a sources; the venv stays when the Venv closes.
inline QtPyVenv::Config config(const QStringList &sources)
{
    QtPyVenv::Config config = TestUtil::config(TestUtil::str(QTPYVENV_PYDATA_BASE_DIR), sources);
    config.requirements = requirements();
    config.pipOptions = pipOptions();
    config.removeBaseDirOnClose = false; // the next run skips pip
    return config;
}

//! Why a test skips when pip cannot reach the index.
inline QString skipReason(const QString &pipMessage)
{
    return TestUtil::str("pip cannot install ") + requirements().join(TestUtil::str(", "))
           + TestUtil::str(" from the package index (set QTPYVENV_PYDATA_WHEELS to a directory of wheels to run "
                           "these tests offline): ")
           + pipMessage;
}

} // namespace Pydata
