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
#include <optional>
#include <cstring>

using namespace QtPyVenvApp;

namespace {

//! Saves a grab of \a window to \a file a moment from now (layouts settle), then closes it.
void grabSoon(MainWindow *window, const QString &file)
{
    QTimer::singleShot(400, window, [window, file] {
        const bool ok = window->grab().save(file);
        std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "saved" : "cannot save", qPrintable(file));
        window->close();
    });
}

//! --screenshot-running: the Calls tab, a while after call \a id first reports progress.
void grabWhileRunning(MainWindow *window, const QString &file, int id)
{
    Environment *env = window->currentEnvironment();
    window->showTab(MainWindow::CallsTab);
    auto *waiting = new QObject(window); // the connection's context: deleting it disconnects
    QObject::connect(env->calls(), &QAbstractItemModel::dataChanged, waiting, [=] {
        const CallRecord *record = env->calls()->record(id);
        if (!record || !record->progress.reported)
            return;
        delete waiting;
        QTimer::singleShot(1500, window, [window, file] { grabSoon(window, file); }); // let the bars move on
    });
}

/*!
 * --screenshot: once the current environment is ready, call each of \a functions from the
 * console with the arguments its form is pre-filled with, and save a grab once the last one's
 * result shows, or (\a running) while it runs. With \a tab, grab that tab instead, calling nothing.
 */
void scheduleScreenshot(MainWindow *window, const QString &file, const QStringList &functions, bool running,
                        std::optional<MainWindow::Tab> tab)
{
    auto onReady = [window, file, functions, running, tab] {
        if (tab) {
            window->showTab(*tab);
            grabSoon(window, file);
            return;
        }
        FunctionsPage *console = window->functionsPage();
        window->showTab(MainWindow::FunctionsTab);
        for (const QString &function : functions) {
            if (!console->selectFunction(function)) {
                std::fprintf(stderr, "no function %s\n", qPrintable(function));
                grabSoon(window, file);
                return;
            }
            console->callCurrent();
        }
        if (running)
            grabWhileRunning(window, file, window->currentEnvironment()->calls()->records().constLast().id);
        else
            QObject::connect(console, &FunctionsPage::resultShown, window, [=] { grabSoon(window, file); },
                             Qt::SingleShotConnection);
    };
    Environment *env = window->currentEnvironment();
    if (!env) {
        grabSoon(window, file);
        return;
    }
    if (env->status() == EnvStatus::Ready) {
        QTimer::singleShot(0, window, onReady);
        return;
    }
    QObject::connect(env, &Environment::statusChanged, window, [env, onReady, window, file](EnvStatus status) {
        static bool done = false;
        if (done)
            return;
        if (status == EnvStatus::Ready) {
            done = true;
            // Let the packages arrive before the grab.
            QObject::connect(env, &Environment::packagesChanged, env, onReady, Qt::SingleShotConnection);
        } else if (status == EnvStatus::Failed || status == EnvStatus::Died) {
            done = true;
            grabSoon(window, file);
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
                                            QStringLiteral("The functions --screenshot calls, comma-separated, each with "
                                                           "its example arguments (default: describe)."),
                                            QStringLiteral("functions"), QStringLiteral("describe"));
    const QCommandLineOption screenshotRunning(QStringLiteral("screenshot-running"),
                                               QStringLiteral("--screenshot grabs the Calls tab while the last call "
                                                              "runs, once it has reported progress."));
    const QCommandLineOption noAutoStart(QStringLiteral("no-autostart"),
                                         QStringLiteral("Do not start any environment at launch."));
    const QCommandLineOption screenshotTab(QStringLiteral("screenshot-tab"),
                                           QStringLiteral("--screenshot grabs this tab (requirements, sources, "
                                                          "functions, calls, output) once ready, calling nothing."),
                                           QStringLiteral("tab"));
    parser.addOptions({screenshot, screenshotCall, screenshotRunning, screenshotTab, noAutoStart});
    parser.process(app);
    std::optional<MainWindow::Tab> tab;
    if (parser.isSet(screenshotTab)) {
        const QStringList tabs{QStringLiteral("requirements"), QStringLiteral("sources"), QStringLiteral("functions"),
                               QStringLiteral("calls"), QStringLiteral("output")};
        const qsizetype index = tabs.indexOf(parser.value(screenshotTab));
        if (index < 0) {
            std::fprintf(stderr, "no tab %s: one of %s\n", qPrintable(parser.value(screenshotTab)),
                         qPrintable(tabs.join(QLatin1Char(','))));
            return 2;
        }
        tab = MainWindow::Tab(index);
    }

    EnvironmentManager manager(AppPaths::standard());
    // Closing the window starts the shutdown; the app quits once the workers are gone.
    QApplication::setQuitOnLastWindowClosed(false);
    QObject::connect(&manager, &EnvironmentManager::shutDown, &app, &QCoreApplication::quit, Qt::QueuedConnection);
    manager.load();
    MainWindow window(&manager);
    window.show();
    if (!parser.isSet(noAutoStart))
        manager.startAutoStart();
    if (parser.isSet(screenshot))
        scheduleScreenshot(&window, parser.value(screenshot), parser.value(screenshotCall).split(QLatin1Char(',')),
                           parser.isSet(screenshotRunning), tab);
    const int code = app.exec();
    manager.shutdown(); // when the app quits without closing the window (a no-op otherwise)
    return code;
}
