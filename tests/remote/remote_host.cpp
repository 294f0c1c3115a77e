// SPDX-License-Identifier: MIT
// The host that tst_remote kills with SIGKILL: starts a Venv in BASEDIR through the launcher given,
// has the worker start a grandchild carrying MARKER, says "ready" on stdout and waits.
// Usage: tst_remote_host BASEDIR MARKER LAUNCHER...
#include "testutil.h"

#include <QtPyVenv/venv.h>

#include <cstdio>

namespace {

// The worker holds some data, as a worker does: when it exits, its last thread frees that memory
// before its children go to the guard, and meanwhile a tree walk sees its main thread a zombie.
// Slurm's proctrack/linuxproc then misses the grandchild as srun ends the step.
const QString Source = QStringLiteral(R"PY(
import subprocess, sys

held = None

def spawn(marker):
    global held
    held = b"x" * (256 << 20)
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", marker])
    return True
)PY");

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    if (args.size() < 3) {
        std::fputs("usage: tst_remote_host BASEDIR MARKER LAUNCHER...\n", stderr);
        return 2;
    }
    QtPyVenv::Config config = TestUtil::config(args.at(0), {Source});
    config.launcher = args.mid(2);
    QtPyVenv::Venv venv(config);
    QtPyVenv::Error error = venv.start(QDeadlineTimer(120000));
    if (error.ok())
        error = venv.callAndAwait(QStringLiteral("spawn"), QJsonValue(args.at(1)));
    if (!error.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(error.message));
        return 1;
    }
    std::puts("ready");
    std::fflush(stdout);
    return app.exec();
}
