// SPDX-License-Identifier: MIT
#include "installer.h"

#include "childprocess.h"
#include "logging.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QStandardPaths>

#include <algorithm>
#include <functional>
#include <iterator>

namespace QtPyVenv::Internal {

namespace {

constexpr int ErrorTailLines = 12;

struct PipOption {
    QLatin1StringView name;
    bool takesValue;
};

/*
 * The pip install options that uv's pip interface also takes, with pip's meaning (checked
 * against `uv pip install --help` of uv 0.13). Others are left out on purpose: pip's
 * --timeout, --retries, --proxy, --prefer-binary, --no-warn-script-location, --upgrade-strategy,
 * --ignore-installed and --user are errors for uv, and its --keyring-provider takes fewer values.
 */
constexpr PipOption UvKnownOptions[] = {
    {QLatin1StringView("--index-url"), true},    {QLatin1StringView("-i"), true},
    {QLatin1StringView("--extra-index-url"), true},
    {QLatin1StringView("--find-links"), true},   {QLatin1StringView("-f"), true},
    {QLatin1StringView("--no-index"), false},    {QLatin1StringView("--trusted-host"), true},
    {QLatin1StringView("--cert"), true},         {QLatin1StringView("--pre"), false},
    {QLatin1StringView("--no-deps"), false},     {QLatin1StringView("--constraint"), true},
    {QLatin1StringView("-c"), true},             {QLatin1StringView("--requirement"), true},
    {QLatin1StringView("-r"), true},             {QLatin1StringView("--editable"), true},
    {QLatin1StringView("-e"), true},             {QLatin1StringView("--upgrade"), false},
    {QLatin1StringView("-U"), false},            {QLatin1StringView("--force-reinstall"), false},
    {QLatin1StringView("--only-binary"), true},  {QLatin1StringView("--no-binary"), true},
    {QLatin1StringView("--no-build-isolation"), false},
    {QLatin1StringView("--config-settings"), true}, {QLatin1StringView("-C"), true},
    {QLatin1StringView("--require-hashes"), false},
    {QLatin1StringView("--cache-dir"), true},    {QLatin1StringView("--no-cache-dir"), false},
    {QLatin1StringView("--compile"), false},     {QLatin1StringView("--no-compile"), false},
    {QLatin1StringView("--quiet"), false},       {QLatin1StringView("-q"), false},
    {QLatin1StringView("--verbose"), false},     {QLatin1StringView("-v"), false},
};

const PipOption *uvKnownOption(QStringView name)
{
    const auto found = std::find_if(std::begin(UvKnownOptions), std::end(UvKnownOptions),
                                    [&](const PipOption &option) { return option.name == name; });
    return found == std::end(UvKnownOptions) ? nullptr : found;
}

struct Choice {
    Installer kind = Installer::Pip;
    QString uv;
    QString optionUnknownToUv; // why Auto chose pip although uv was found
};

Choice choose(const Config &config)
{
    if (config.installer == Installer::Pip)
        return {};
    Choice choice{Installer::Uv, QtPyVenv::uvExecutable(config), {}};
    if (config.installer == Installer::Auto && choice.uv.isEmpty())
        return {};
    if (config.installer == Installer::Auto)
        choice.optionUnknownToUv = optionUnknownToUv(config.pipOptions);
    if (!choice.optionUnknownToUv.isEmpty())
        choice.kind = Installer::Pip;
    return choice;
}

QProcessEnvironment toolEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.insert(QStringLiteral("PIP_DISABLE_PIP_VERSION_CHECK"), QStringLiteral("1"));
    env.insert(QStringLiteral("PIP_NO_INPUT"), QStringLiteral("1"));
    env.insert(QStringLiteral("PIP_PROGRESS_BAR"), QStringLiteral("off"));
    env.remove(QStringLiteral("PYTHONHOME"));
    return env;
}

Error toolError(const ToolRun &run, const QString &what)
{
    switch (run.outcome) {
    case ToolRun::FailedToStart:
        return makeError(ErrorCode::StartFailed, QStringLiteral("%1: %2").arg(what, run.error));
    case ToolRun::TimedOut:
        return makeError(ErrorCode::Timeout, QStringLiteral("%1 did not finish before the deadline").arg(what));
    case ToolRun::Aborted:
        return makeError(ErrorCode::Closed, QStringLiteral("%1 was cancelled by close()").arg(what));
    case ToolRun::Finished:
        break;
    }
    if (run.succeeded())
        return {};
    QString message = QStringLiteral("%1 failed: it %2").arg(what, run.exit.describe());
    const QString tail = lastLines(run.tail, ErrorTailLines);
    if (!tail.isEmpty())
        message += QStringLiteral("\n") + tail;
    return makeError(ErrorCode::InstallFailed, message);
}

ToolRun run(const QString &program, const QStringList &arguments, const Environment::Context &context,
            const std::function<void(const QByteArray &)> &output)
{
    ChildProcess::Options options;
    options.program = program;
    options.arguments = arguments;
    options.environment = toolEnvironment();
    return runTool(options, context.deadline, context.abortFd, output);
}

//! Runs \a program with \a arguments, its output live, for \a what (named in the error).
Error runStep(const QString &program, const QStringList &arguments, const QString &what,
              const Environment::Context &context)
{
    return toolError(run(program, arguments, context, context.output), what);
}

} // namespace

QString optionUnknownToUv(const QStringList &pipOptions)
{
    for (qsizetype i = 0; i < pipOptions.size(); ++i) {
        const QString &option = pipOptions[i];
        if (!option.startsWith(QLatin1Char('-')))
            continue; // a requirement, or the value of the option before
        if (option.startsWith(QLatin1String("--"))) {
            const qsizetype equals = option.indexOf(QLatin1Char('='));
            const PipOption *known = uvKnownOption(QStringView(option).left(equals));
            if (!known)
                return option;
            if (known->takesValue && equals < 0)
                ++i;
            continue;
        }
        if (option.size() == 1)
            return option;
        // Short options: "-f DIR", "-fDIR", and flags run together ("-qq", "-Uq").
        for (qsizetype at = 1; at < option.size(); ++at) {
            const PipOption *known = uvKnownOption(QString(QLatin1Char('-')) + option.at(at));
            if (!known)
                return option;
            if (!known->takesValue)
                continue;
            if (at + 1 == option.size())
                ++i;
            else if (option.at(at + 1) == QLatin1Char('='))
                return option; // "-i=URL": uv reads URL, pip "=URL"
            break;
        }
    }
    return {};
}

QString checkInstaller(const Config &config)
{
    if (config.installer != Installer::Uv)
        return {};
    if (const QString option = optionUnknownToUv(config.pipOptions); !option.isEmpty()) {
        return QStringLiteral("the pip option \"%1\" is not one uv's pip interface takes; with Installer::Uv "
                              "use only those (Installer::Auto installs with pip instead)")
            .arg(option);
    }
    return {};
}

InstallerTool::InstallerTool(const Config &config)
{
    const Choice choice = choose(config);
    m_kind = choice.kind;
    m_uv = choice.uv;
    m_interpreterName = config.pythonInterpreter;
    m_installArguments = config.pipOptions + config.requirements;
    if (!choice.optionUnknownToUv.isEmpty())
        qCInfo(lcInstall) << "installing with pip: uv does not know the pip option" << choice.optionUnknownToUv;
    else if (m_kind == Installer::Uv)
        qCInfo(lcInstall) << "installing with" << m_uv;
}

Error InstallerTool::check() const
{
    if (m_kind == Installer::Uv && m_uv.isEmpty()) {
        return makeError(ErrorCode::StartFailed, QStringLiteral("Installer::Uv: no executable uv was found in "
                                                                "Config::toolSearchPaths or on PATH"));
    }
    return {};
}

Error InstallerTool::createVenv(const QString &interpreter, const QString &venvDir,
                                const Environment::Context &context) const
{
    if (Error error = check(); !error.ok())
        return error;
    if (m_kind == Installer::Uv) {
        // --no-project: a pyproject.toml where the host program runs has no say over this venv.
        return runStep(m_uv, {QStringLiteral("venv"), QStringLiteral("--no-project"), QStringLiteral("--python"),
                              interpreter, venvDir},
                       QStringLiteral("creating the venv with %1 venv").arg(m_uv), context);
    }
    // No pip: bootstrapping it costs seconds and a venv without requirements never needs it.
    const ToolRun venv = run(interpreter, {QStringLiteral("-m"), QStringLiteral("venv"), QStringLiteral("--without-pip"), venvDir},
                             context, context.output);
    if (venv.outcome == ToolRun::FailedToStart) {
        return makeError(ErrorCode::StartFailed,
                         QStringLiteral("cannot run the Python interpreter %1: %2").arg(interpreter, venv.error));
    }
    return toolError(venv, QStringLiteral("creating the venv with %1").arg(m_interpreterName));
}

Error InstallerTool::install(const QString &interpreter, const QString &venvDir, const QString &venvPython,
                             const Environment::Context &context) const
{
    if (Error error = check(); !error.ok())
        return error;
    if (m_kind == Installer::Pip)
        return installWithPip(interpreter, venvDir, venvPython, context);
    return runStep(m_uv,
                   QStringList{QStringLiteral("pip"), QStringLiteral("install"), QStringLiteral("--python"), venvPython}
                       + m_installArguments,
                   QStringLiteral("uv pip install"), context);
}

Error InstallerTool::installWithPip(const QString &interpreter, const QString &venvDir, const QString &venvPython,
                                    const Environment::Context &context) const
{
    const QStringList install = QStringList{QStringLiteral("install")} + m_installArguments;
    const bool venvHasPip =
        !QDir(venvDir + QStringLiteral("/lib")).entryList({QStringLiteral("python*")}, QDir::Dirs).isEmpty()
        && QFileInfo::exists(venvDir + QStringLiteral("/bin/pip"));
    if (!venvHasPip) {
        // Prefer the bootstrap interpreter's pip driving the venv (pip >= 22.3): no pip copy
        // in every venv. Without one, bootstrap pip into the venv once.
        // The probe also names the real executable: pip must not run through a wrapper that does
        // more than start Python. A pyenv shim rehashes after every "-m pip" and fails the whole
        // command when another rehash runs at the same time (two Venvs installing at once).
        const QString marker = QStringLiteral("qtpyvenv-executable=");
        const QString probe = QStringLiteral(
            "import sys\n"
            "print('%1' + sys.executable, flush=True)\n"
            "import pip\n"
            "sys.exit(0 if tuple(int(p) for p in pip.__version__.split('.')[:2]) >= (22, 3) else 1)\n").arg(marker);
        if (!interpreter.isEmpty()) {
            const ToolRun probeRun = run(interpreter, {QStringLiteral("-c"), probe}, context, [](const QByteArray &) {});
            if (probeRun.outcome == ToolRun::TimedOut || probeRun.outcome == ToolRun::Aborted)
                return toolError(probeRun, QStringLiteral("probing pip"));
            if (probeRun.succeeded()) {
                QString executable = interpreter;
                for (const QString &line : QString::fromUtf8(probeRun.tail).split(QLatin1Char('\n'))) {
                    const QString path = line.trimmed();
                    if (path.startsWith(marker) && QFileInfo(path.mid(marker.size())).isExecutable())
                        executable = path.mid(marker.size());
                }
                return runStep(executable,
                               QStringList{QStringLiteral("-m"), QStringLiteral("pip"), QStringLiteral("--python"),
                                           venvPython}
                                   + install,
                               QStringLiteral("pip install"), context);
            }
        }
        if (Error error = runStep(venvPython, {QStringLiteral("-m"), QStringLiteral("ensurepip"), QStringLiteral("--default-pip")},
                                  QStringLiteral("bootstrapping pip with ensurepip"), context);
            !error.ok()) {
            return error;
        }
    }
    return runStep(venvPython, QStringList{QStringLiteral("-m"), QStringLiteral("pip")} + install,
                   QStringLiteral("pip install"), context);
}

} // namespace QtPyVenv::Internal

QtPyVenv::Installer QtPyVenv::resolvedInstaller(const Config &config)
{
    return Internal::choose(config).kind;
}

QString QtPyVenv::uvExecutable(const Config &config)
{
    const QString name = QStringLiteral("uv");
    if (!config.toolSearchPaths.isEmpty()) {
        if (QString path = QStandardPaths::findExecutable(name, config.toolSearchPaths); !path.isEmpty())
            return path;
    }
    return QStandardPaths::findExecutable(name);
}
