// SPDX-License-Identifier: MIT
// qtpyvenv: manage Python environments and call into them, live.
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "ui/functionspage.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstring>

using namespace QtPyVenvApp;

namespace {

//! --screenshot: once the current environment is ready, call \a function from the console
//! with the arguments its form is pre-filled with, and save a grab once the result shows.
void scheduleScreenshot(MainWindow *window, const QString &file, const QString &function)
{
    auto grab = [window, file] {
        QTimer::singleShot(400, window, [window, file] {
            const bool ok = window->grab().save(file);
            std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "saved" : "cannot save", qPrintable(file));
            window->close();
        });
    };
    auto onReady = [window, grab, function] {
        FunctionsPage *console = window->functionsPage();
        window->showTab(MainWindow::FunctionsTab);
        if (console->selectFunction(function)) {
            QObject::connect(console, &FunctionsPage::resultShown, window, grab, Qt::SingleShotConnection);
            console->callCurrent();
        } else {
            std::fprintf(stderr, "no function %s\n", qPrintable(function));
            grab();
        }
    };
    Environment *env = window->currentEnvironment();
    if (!env) {
        grab();
        return;
    }
    if (env->status() == EnvStatus::Ready) {
        QTimer::singleShot(0, window, onReady);
        return;
    }
    QObject::connect(env, &Environment::statusChanged, window, [env, onReady, grab](EnvStatus status) {
        static bool done = false;
        if (done)
            return;
        if (status == EnvStatus::Ready) {
            done = true;
            // Let the packages arrive before the grab.
            QObject::connect(env, &Environment::packagesChanged, env, onReady, Qt::SingleShotConnection);
        } else if (status == EnvStatus::Failed || status == EnvStatus::Died) {
            done = true;
            grab();
        }
    });
}

} // namespace

int main(int argc, char *argv[])
{
    // --version must work without a display: answer it before QApplication connects to one.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("qtpyvenv %s\n", QTPYVENV_VERSION_STRING);
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("qtpyvenv"));
    QApplication::setApplicationDisplayName(QStringLiteral("QtPyVenv"));
    QApplication::setApplicationVersion(QStringLiteral(QTPYVENV_VERSION_STRING));
    QApplication::setDesktopFileName(QStringLiteral("io.qtpyvenv.QtPyVenv"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/qtpyvenv-app/qtpyvenv.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Manage Python environments and call into them, live."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Once the current environment is ready, call a function (see "
                                                       "--screenshot-call), save a grab of the window to <file> and quit."),
                                        QStringLiteral("file"));
    const QCommandLineOption screenshotCall(QStringLiteral("screenshot-call"),
                                            QStringLiteral("The function --screenshot calls, with its example arguments "
                                                           "(default: describe)."),
                                            QStringLiteral("function"), QStringLiteral("describe"));
    const QCommandLineOption noAutoStart(QStringLiteral("no-autostart"),
                                         QStringLiteral("Do not start any environment at launch."));
    parser.addOptions({screenshot, screenshotCall, noAutoStart});
    parser.process(app);

    EnvironmentManager manager(AppPaths::standard());
    manager.load();
    MainWindow window(&manager);
    window.show();
    if (!parser.isSet(noAutoStart))
        manager.startAutoStart();
    if (parser.isSet(screenshot))
        scheduleScreenshot(&window, parser.value(screenshot), parser.value(screenshotCall));
    const int code = app.exec();
    manager.shutdown(); // also when the app quits without closing the window
    return code;
}
