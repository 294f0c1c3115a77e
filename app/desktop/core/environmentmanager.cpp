// SPDX-License-Identifier: MIT
#include "environmentmanager.h"

#include "environment.h"
#include "logging.h"
#include "venvreaper.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>

namespace QtPyVenvApp {

EnvironmentManager::EnvironmentManager(const AppPaths &paths, QObject *parent)
    : QObject(parent)
    , m_paths(paths)
    , m_model(new EnvironmentListModel(this))
    , m_reaper(new VenvReaper(this))
{
}

EnvironmentManager::~EnvironmentManager()
{
    shutdown();
    // Before QObject deletes the children: the environments still use the reaper.
    qDeleteAll(std::exchange(m_environments, {}));
}

bool EnvironmentManager::load(QString *error)
{
    bool exists = false;
    QString readError;
    const Definitions definitions = loadDefinitions(m_paths.definitionsFile(), &exists, &readError);
    if (!readError.isEmpty()) {
        qCWarning(lcApp) << "cannot read" << m_paths.definitionsFile() << readError;
        if (error)
            *error = readError;
        return false;
    }
    m_firstLaunch = !exists;
    if (m_firstLaunch) {
        qCInfo(lcApp) << "first launch: creating the demo environment";
        const EnvironmentDefinition demo = makeDemoDefinition();
        createEnvironment(demo);
        m_currentId = demo.id;
        save();
        return true;
    }
    for (const EnvironmentDefinition &definition : definitions.environments)
        createEnvironment(definition);
    m_currentId = environment(definitions.currentId) ? definitions.currentId
                  : m_environments.isEmpty()           ? QString()
                                                       : m_environments.first()->definition().id;
    return true;
}

void EnvironmentManager::startAutoStart()
{
    for (Environment *environment : std::as_const(m_environments)) {
        if (environment->definition().autoStart)
            environment->start();
    }
}

Environment *EnvironmentManager::environment(const QString &id) const
{
    for (Environment *environment : m_environments) {
        if (environment->definition().id == id)
            return environment;
    }
    return nullptr;
}

Environment *EnvironmentManager::createEnvironment(const EnvironmentDefinition &definition)
{
    auto *environment = new Environment(definition, m_paths.defaultBaseDir(definition.id), m_reaper, this);
    environment->history()->setMaximumEntries(int(EnvironmentSession::MaxHistoryKept));
    environment->restoreSession(loadSession(m_paths.sessionFile(definition.id)));
    environment->setToolSearchPaths({m_paths.toolBinDir()}); // where the app fetches uv to
    m_environments.append(environment);
    connect(environment, &Environment::summaryChanged, this,
            [this, environment] { m_model->upsert(environment->summary()); });
    // Remember the version a start found, to show it before the next start.
    connect(environment, &Environment::pythonVersionChanged, this, [this] { save(); });
    m_model->upsert(environment->summary());
    Q_EMIT environmentAdded(environment);
    return environment;
}

Environment *EnvironmentManager::add(EnvironmentDefinition definition)
{
    if (definition.id.isEmpty() || environment(definition.id))
        definition.id = newEnvironmentId();
    definition.pythonVersion.clear(); // a new environment: unknown until it first starts
    Environment *environment = createEnvironment(definition);
    save();
    return environment;
}

Environment *EnvironmentManager::duplicate(const QString &id)
{
    const Environment *original = environment(id);
    if (!original)
        return nullptr;
    EnvironmentDefinition copy = original->definition();
    copy.id = newEnvironmentId();
    copy.baseDir.clear();
    copy.autoStart = false;
    QSet<QString> names;
    for (const Environment *e : std::as_const(m_environments))
        names.insert(e->definition().name);
    QString name = copy.name + QStringLiteral(" copy");
    for (int n = 2; names.contains(name); ++n)
        name = QStringLiteral("%1 copy %2").arg(copy.name).arg(n);
    copy.name = name;
    return add(copy);
}

void EnvironmentManager::remove(const QString &idRef, bool deleteFolder)
{
    const QString id = idRef; // the caller's may be the definition deleted below
    Environment *env = environment(id);
    if (!env)
        return;
    m_environments.removeOne(env);
    m_model->remove(id);
    env->disconnect(this);
    if (deleteFolder)
        env->stopAndRemoveFolder(); // the worker is closed first, then its folder removed
    else
        env->stop();
    delete env;
    QFile::remove(m_paths.sessionFile(id));
    if (m_currentId == id)
        m_currentId = m_environments.isEmpty() ? QString() : m_environments.first()->definition().id;
    save();
    Q_EMIT environmentRemoved(id);
}

void EnvironmentManager::updateDefinition(const EnvironmentDefinition &definition)
{
    if (Environment *env = environment(definition.id)) {
        env->setDefinition(definition);
        save();
    }
}

void EnvironmentManager::applyDefinition(const EnvironmentDefinition &definition)
{
    Environment *env = environment(definition.id);
    if (!env)
        return;
    EnvironmentDefinition renamed = env->definition();
    renamed.name = definition.name;
    renamed.pythonVersion = definition.pythonVersion; // the Environment's to keep, not the caller's
    const bool workerChanged = !(definition == renamed);
    updateDefinition(definition);
    if (workerChanged && env->status() != EnvStatus::Stopped)
        env->restart();
}

void EnvironmentManager::start(const QString &id)
{
    Environment *env = environment(id);
    if (!env)
        return;
    if (!env->definition().autoStart) {
        EnvironmentDefinition definition = env->definition();
        definition.autoStart = true;
        updateDefinition(definition);
    }
    env->start();
}

void EnvironmentManager::stop(const QString &id)
{
    Environment *env = environment(id);
    if (!env)
        return;
    if (env->definition().autoStart) {
        EnvironmentDefinition definition = env->definition();
        definition.autoStart = false;
        updateDefinition(definition);
    }
    env->stop();
}

void EnvironmentManager::restart(const QString &id)
{
    if (Environment *env = environment(id)) {
        if (!env->definition().autoStart) {
            EnvironmentDefinition definition = env->definition();
            definition.autoStart = true;
            updateDefinition(definition);
        }
        env->restart();
    }
}

void EnvironmentManager::setCurrentId(const QString &id)
{
    if (id == m_currentId || !environment(id))
        return;
    m_currentId = id;
    save();
}

bool EnvironmentManager::save(QString *error)
{
    Definitions definitions;
    for (const Environment *env : std::as_const(m_environments))
        definitions.environments.append(env->definition());
    definitions.currentId = m_currentId;
    QString saveError;
    if (!saveDefinitions(m_paths.definitionsFile(), definitions, &saveError)) {
        qCWarning(lcApp) << "cannot save" << m_paths.definitionsFile() << saveError;
        if (error)
            *error = saveError;
        return false;
    }
    return true;
}

void EnvironmentManager::saveSessions()
{
    for (const Environment *env : std::as_const(m_environments)) {
        const QString path = m_paths.sessionFile(env->definition().id);
        if (QString error; !saveSession(path, env->session(), &error))
            qCWarning(lcApp) << "cannot save" << path << error;
    }
}

void EnvironmentManager::shutdown()
{
    beginShutdown();
    m_reaper->waitForAll();
}

void EnvironmentManager::beginShutdown()
{
    if (std::exchange(m_shuttingDown, true))
        return;
    saveSessions();
    connect(m_reaper, &VenvReaper::allReaped, this, &EnvironmentManager::onAllReaped);
    for (Environment *env : std::as_const(m_environments)) {
        env->disconnect(this);
        env->stop(); // hands the worker to the reaper: the workers close in parallel
    }
    if (m_reaper->pendingCount() == 0)
        QMetaObject::invokeMethod(this, &EnvironmentManager::onAllReaped, Qt::QueuedConnection);
}

void EnvironmentManager::onAllReaped()
{
    disconnect(m_reaper, &VenvReaper::allReaped, this, &EnvironmentManager::onAllReaped);
    qCInfo(lcApp) << "all workers stopped";
    Q_EMIT shutDown();
}

EnvironmentDefinition EnvironmentManager::makeDemoDefinition() const
{
    EnvironmentDefinition demo;
    demo.id = QStringLiteral("demo");
    demo.name = QStringLiteral("demo");
    const QStringList pythons = findPythons();
    demo.interpreter = QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty() && !pythons.isEmpty()
                           ? pythons.first()
                           : QStringLiteral("python3");
    const QString dir = m_paths.dataDir + QStringLiteral("/demo");
    QDir().mkpath(dir);
    const QString target = dir + QStringLiteral("/demo.py");
    if (!QFileInfo::exists(target)) {
        QFile::copy(QStringLiteral(":/qtpyvenv-app/demo.py"), target);
        QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    }
    demo.sources = {target};
    return demo;
}

QStringList EnvironmentManager::findPythons()
{
    static const QRegularExpression pattern(QStringLiteral("^python3(\\.\\d+)?$"));
    QStringList found;
    QSet<QString> seen;
    const QStringList dirs = qEnvironmentVariable("PATH").split(QLatin1Char(':'), Qt::SkipEmptyParts);
    for (const QString &dir : dirs) {
        const QFileInfoList entries = QDir(dir).entryInfoList({QStringLiteral("python3*")}, QDir::Files | QDir::Executable);
        for (const QFileInfo &entry : entries) {
            if (!pattern.match(entry.fileName()).hasMatch())
                continue;
            const QString canonical = entry.canonicalFilePath();
            // pyenv shims all resolve to one script: keep them apart by the name asked for.
            const QString key = canonical.contains(QStringLiteral("/shims/")) ? entry.absoluteFilePath() : canonical;
            if (canonical.isEmpty() || seen.contains(key))
                continue;
            seen.insert(key);
            found.append(entry.absoluteFilePath());
        }
    }
    return found;
}

} // namespace QtPyVenvApp
