// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "addexistingdialog.h"
#include "banner.h"
#include "callspage.h"
#include "core/environment.h"
#include "core/errorreport.h"
#include "core/environmentmanager.h"
#include "core/runson.h"
#include "editenvironmentdialog.h"
#include "environmentdelegate.h"
#include "functionspage.h"
#include "icons.h"
#include "newenvironmentdialog.h"
#include "outputview.h"
#include "requirementspage.h"
#include "sourcespage.h"
#include "uvofferbar.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace QtPyVenvApp {

namespace {
QString formatUptime(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("–");
    const qint64 s = ms / 1000;
    return s < 3600 ? QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'))
                    : QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
}
} // namespace

MainWindow::MainWindow(EnvironmentManager *manager, QWidget *parent)
    : QMainWindow(parent)
    , m_manager(manager)
    , m_list(new QTreeView(this))
    , m_tabs(new QTabWidget(this))
    , m_banner(new Banner(this))
    , m_uvOffer(new UvOfferBar(manager->paths(), this))
    , m_requirements(new RequirementsPage(this))
    , m_sources(new SourcesPage(this))
    , m_functions(new FunctionsPage(this))
    , m_calls(new CallsPage(this))
    , m_output(new OutputView(this))
    , m_statusState(new QLabel(this))
    , m_statusPid(new QLabel(this))
    , m_statusUptime(new QLabel(this))
    , m_statusCalls(new QLabel(this))
    , m_statusTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/qtpyvenv-app/qtpyvenv.svg")));

    m_list->setObjectName(QStringLiteral("environmentList"));
    m_list->setModel(manager->model());
    m_list->setItemDelegateForColumn(EnvironmentListModel::NameColumn, new EnvironmentDelegate(m_list));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAllColumnsShowFocus(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(EnvironmentListModel::NameColumn, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(EnvironmentListModel::PythonColumn, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(EnvironmentListModel::CallsColumn, QHeaderView::ResizeToContents);

    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_tabs->addTab(m_requirements, tr("&Requirements"));
    m_tabs->addTab(m_sources, tr("&Sources"));
    m_tabs->addTab(m_functions, tr("F&unctions"));
    m_tabs->addTab(m_calls, tr("C&alls"));
    m_tabs->addTab(m_output, tr("&Output"));
    m_tabs->setCurrentIndex(FunctionsTab);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_list);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_banner);
    rightLayout->addWidget(m_uvOffer);
    rightLayout->addWidget(m_tabs, 1);
    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    splitter->setSizes({260, 900});
    setCentralWidget(splitter);

    for (QLabel *label : {m_statusState, m_statusPid, m_statusUptime, m_statusCalls})
        statusBar()->addPermanentWidget(label);
    m_statusState->setObjectName(QStringLiteral("statusState"));
    m_statusTimer->setInterval(1000);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer->start();

    createActions();

    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::onCurrentRowChanged);
    connect(m_list, &QWidget::customContextMenuRequested, this, &MainWindow::showEnvironmentMenu);
    connect(m_banner, &Banner::restartRequested, this, &MainWindow::restartEnvironment);
    connect(m_uvOffer, &UvOfferBar::uvInstalled, m_requirements, &RequirementsPage::updateInstaller);
    connect(m_requirements, &RequirementsPage::applyRequested, this, [this](const EnvironmentDefinition &definition) {
        m_manager->updateDefinition(definition);
        m_manager->restart(definition.id);
    });
    connect(m_requirements, &RequirementsPage::unappliedChangesChanged, this, &QWidget::setWindowModified);
    connect(m_functions, &FunctionsPage::sourceLocationActivated, this,
            [this](const SourceLocation &location, const QString &message) {
                if (m_sources->openLocation(location, message))
                    showTab(SourcesTab);
            });
    connect(m_sources, &SourcesPage::sourcesChanged, this, [this](const EnvironmentDefinition &definition) {
        m_manager->updateDefinition(definition);
        if (Environment *env = m_manager->environment(definition.id); env && env->status() != EnvStatus::Stopped)
            env->restart();
    });
    connect(manager, &EnvironmentManager::environmentRemoved, this, [this] {
        if (!m_current)
            setCurrentEnvironment(m_manager->currentId());
    });

    setCurrentEnvironment(manager->currentId());
    m_uvOffer->offerIfUseful();
    updateTitle();
    updateStatus();
    resize(1200, 760);
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    auto *toolbar = addToolBar(tr("Environments"));
    toolbar->setObjectName(QStringLiteral("environmentToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon); // the words stay: the icons alone are not obvious
    auto *menu = menuBar()->addMenu(tr("&Environment"));
    auto add = [&](const QString &text, const QString &icon, const QKeySequence &key, void (MainWindow::*slot)(),
                   const QString &name) {
        auto *action = new QAction(themedIcon(icon), text, this);
        action->setObjectName(name);
        action->setShortcut(key);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(QString(text).remove(QLatin1Char('&')),
                                                        key.toString(QKeySequence::NativeText)));
        connect(action, &QAction::triggered, this, slot);
        menu->addAction(action);
        return action;
    };
    m_newAction = add(tr("&New…"), QStringLiteral("document-new"), QKeySequence::New, &MainWindow::newEnvironment,
                      QStringLiteral("actionNew"));
    m_addExistingAction = add(tr("Add e&xisting…"), QStringLiteral("folder-open"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
                              &MainWindow::addExistingEnvironment, QStringLiteral("actionAddExisting"));
    // F2, as for renaming in a file manager: the name is what is edited most.
    m_editAction = add(tr("&Edit…"), QStringLiteral("document-properties"), QKeySequence(Qt::Key_F2),
                       &MainWindow::editEnvironment, QStringLiteral("actionEdit"));
    m_duplicateAction = add(tr("&Duplicate"), QStringLiteral("edit-copy"), QKeySequence(Qt::CTRL | Qt::Key_D),
                            &MainWindow::duplicateEnvironment, QStringLiteral("actionDuplicate"));
    m_removeAction = add(tr("Re&move…"), QStringLiteral("list-remove"), QKeySequence(Qt::CTRL | Qt::Key_Delete),
                         &MainWindow::removeEnvironment, QStringLiteral("actionRemove"));
    menu->addSeparator();
    m_startAction = add(tr("&Start"), QStringLiteral("media-playback-start"), QKeySequence(Qt::Key_F5),
                        &MainWindow::startEnvironment, QStringLiteral("actionStart"));
    m_stopAction = add(tr("S&top"), QStringLiteral("media-playback-stop"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                       &MainWindow::stopEnvironment, QStringLiteral("actionStop"));
    m_restartAction = add(tr("&Restart"), QStringLiteral("view-refresh"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5),
                          &MainWindow::restartEnvironment, QStringLiteral("actionRestart"));
    // Edit stays in the menus: the toolbar is for what is done often.
    toolbar->addActions({m_newAction, m_addExistingAction, m_duplicateAction, m_removeAction});
    toolbar->addSeparator();
    toolbar->addActions({m_startAction, m_stopAction, m_restartAction});
    menu->addSeparator();
    auto *quit = menu->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setMenuRole(QAction::QuitRole);

    auto *view = menuBar()->addMenu(tr("&View"));
    const QStringList names{tr("Requirements"), tr("Sources"), tr("Functions"), tr("Calls"), tr("Output")};
    for (int i = 0; i < names.size(); ++i) {
        view->addAction(names[i], QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)), this, [this, i] { showTab(Tab(i)); });
    }
    view->addSeparator();
    view->addAction(tr("&Find in output"), QKeySequence::Find, this, [this] {
        showTab(OutputTab);
        m_output->focusFind();
    });
    auto *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QtPyVenv"), this, [this] {
        QMessageBox::about(this, tr("About QtPyVenv"),
                           tr("<b>QtPyVenv</b> %1<br>Manage Python environments and call into them, live.")
                               .arg(QStringLiteral(QTPYVENV_VERSION_STRING)));
    });
}

void MainWindow::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(tab);
}

void MainWindow::setCurrentEnvironment(const QString &id)
{
    const int row = m_manager->model()->rowOf(id);
    if (row >= 0) {
        m_list->setCurrentIndex(m_manager->model()->index(row, 0));
    } else if (m_manager->model()->rowCount() > 0) {
        m_list->setCurrentIndex(m_manager->model()->index(0, 0));
    } else {
        onCurrentRowChanged();
    }
}

void MainWindow::onCurrentRowChanged()
{
    const QString id = m_list->currentIndex().data(EnvironmentListModel::IdRole).toString();
    Environment *env = m_manager->environment(id);
    if (m_current && env != m_current && !m_sources->confirmLeave()) {
        setCurrentEnvironment(m_current->definition().id); // stay with the unsaved edits
        return;
    }
    if (m_current)
        m_current->disconnect(this); // every connection made below, to the one it replaces
    m_current = env;
    if (env) {
        m_manager->setCurrentId(id);
        m_uvOffer->setPython(env->definition().interpreter); // its pip fetches uv
        connect(env, &Environment::summaryChanged, this, &MainWindow::updateStatus);
        connect(env, &Environment::summaryChanged, this, &MainWindow::updateTitle);
        connect(env, &Environment::summaryChanged, this, &MainWindow::updateActions);
        connect(env, &Environment::startPhaseChanged, this, &MainWindow::updateStatus);
        connect(env, &Environment::statusChanged, this, &MainWindow::updateBanner);
        connect(env, &Environment::changeStateChanged, this, &MainWindow::updateBanner);
        connect(env, &Environment::changeStateChanged, this, &MainWindow::updateStatus);
        connect(env, &Environment::startFailed, this, &MainWindow::askInstallPermission);
    }
    m_requirements->setEnvironment(env);
    m_sources->setEnvironment(env);
    m_functions->setEnvironment(env);
    m_calls->setEnvironment(env);
    m_output->setEnvironment(env);
    updateBanner();
    updateTitle();
    updateStatus();
    updateActions();
}

void MainWindow::updateActions()
{
    const EnvStatus status = m_current ? m_current->status() : EnvStatus::Stopped;
    const bool running = status == EnvStatus::Starting || status == EnvStatus::Installing || status == EnvStatus::Ready;
    m_editAction->setEnabled(m_current);
    m_duplicateAction->setEnabled(m_current);
    m_removeAction->setEnabled(m_current);
    m_startAction->setEnabled(m_current && !running);
    m_stopAction->setEnabled(m_current && status != EnvStatus::Stopped);
    m_restartAction->setEnabled(m_current);
}

void MainWindow::updateTitle()
{
    // Where the platform's convention is "document — app" (X11, Windows), Qt appends the
    // application display name itself, unless the title already ends with it; [*] shows
    // the unapplied requirements (windowModified).
    setWindowTitle(m_current ? QStringLiteral("%1[*]").arg(m_current->definition().name)
                             : QGuiApplication::applicationDisplayName());
}

void MainWindow::updateStatus()
{
    if (!m_current) {
        m_statusState->setText(tr("No environment"));
        m_statusPid->clear();
        m_statusUptime->clear();
        m_statusCalls->clear();
        return;
    }
    QString state = QtPyVenvApp::statusText(m_current->status());
    const auto phase = m_current->startPhase();
    if (phase && m_current->status() == EnvStatus::Starting)
        state += QStringLiteral(" (%1)").arg(startPhaseText(*phase));
    else if (m_current->isApplyingChange())
        state += tr(" (applying a change: %1)").arg(phase ? startPhaseText(*phase) : tr("starting"));
    else if (m_current->changeFailed())
        state += tr(" (last change failed)");
    const bool failed = m_current->status() == EnvStatus::Died || m_current->status() == EnvStatus::Failed
        || m_current->changeFailed();
    // A launcher that failed says why in its last line: ssh's "Permission denied (publickey).".
    if (const QString said = launcherMessages(m_current->lastError()); !said.isEmpty() && failed)
        state += QStringLiteral(" — %1").arg(said.section(QLatin1Char('\n'), -1));
    m_statusState->setText(tr("State: %1").arg(state));
    m_statusPid->setText(m_current->pid() > 0 ? tr("PID %1").arg(m_current->pid()) : tr("PID –"));
    m_statusUptime->setText(tr("Uptime %1").arg(formatUptime(m_current->uptimeMs())));
    m_statusCalls->setText(tr("%n call(s) in flight", nullptr, m_current->callsInFlight()));
}

QString MainWindow::statusText() const
{
    return QStringList{m_statusState->text(), m_statusPid->text(), m_statusUptime->text(), m_statusCalls->text()}
        .join(QStringLiteral(" | "));
}

void MainWindow::updateBanner()
{
    if (!m_current) {
        m_banner->hide();
        return;
    }
    const ErrorReport report = errorReport(m_current->lastError());
    const QString name = m_current->definition().name;
    switch (m_current->status()) {
    case EnvStatus::Died:
        m_banner->showError(tr("The Python worker of \"%1\" died").arg(name), report.headline, report.details);
        break;
    case EnvStatus::Failed:
        m_banner->showError(tr("\"%1\" did not start").arg(name), report.headline, report.details);
        break;
    case EnvStatus::Ready:
        if (m_current->changeFailed()) {
            m_banner->showError(tr("The change to \"%1\" failed: its previous version keeps running").arg(name),
                                report.headline, report.details);
        } else {
            m_banner->hide();
        }
        break;
    default:
        m_banner->hide();
    }
}

QStringList MainWindow::takenNames(const Environment *except) const
{
    QStringList names;
    for (const Environment *env : m_manager->environments()) {
        if (env != except)
            names.append(env->definition().name);
    }
    return names;
}

void MainWindow::newEnvironment()
{
    NewEnvironmentDialog dialog(EnvironmentManager::findPythons(), takenNames(nullptr), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    Environment *env = m_manager->add(dialog.definition());
    setCurrentEnvironment(env->definition().id);
    showTab(RequirementsTab);
    m_manager->start(env->definition().id);
}

void MainWindow::addExistingEnvironment()
{
    AddExistingDialog dialog(takenNames(nullptr), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    Environment *env = m_manager->add(dialog.definition());
    setCurrentEnvironment(env->definition().id);
    showTab(RequirementsTab); // its installed packages
    m_manager->start(env->definition().id);
}

void MainWindow::editEnvironment()
{
    if (!m_current)
        return;
    EditEnvironmentDialog dialog(m_current->definition(), m_current->baseDir(), takenNames(m_current), this);
    if (dialog.exec() == QDialog::Accepted)
        m_manager->applyDefinition(dialog.definition());
}

void MainWindow::showEnvironmentMenu(const QPoint &position)
{
    const QModelIndex index = m_list->indexAt(position);
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("environmentMenu"));
    if (index.isValid()) {
        m_list->setCurrentIndex(index);
        if (!m_current || m_current->definition().id != index.data(EnvironmentListModel::IdRole).toString())
            return; // kept on the one with unsaved source edits
        menu.addActions({m_editAction, m_duplicateAction, m_removeAction});
        menu.addSeparator();
        menu.addActions({m_startAction, m_stopAction, m_restartAction});
    } else {
        menu.addActions({m_newAction, m_addExistingAction});
    }
    menu.exec(m_list->viewport()->mapToGlobal(position));
}

void MainWindow::askInstallPermission()
{
    if (!m_current || !m_current->needsInstallPermission())
        return;
    const EnvironmentDefinition &adopted = m_current->definition();
    QMessageBox box(QMessageBox::Question, tr("Install into %1?").arg(adopted.name),
                    tr("\"%1\" is an environment folder the app did not make:\n%2\n\nInstall the requirements "
                       "(%3) into it? The app asks this once for this environment.")
                        .arg(adopted.name, adopted.existingDir, adopted.requirements.join(QStringLiteral(", "))),
                    QMessageBox::Yes | QMessageBox::No, this);
    box.setObjectName(QStringLiteral("installPermission"));
    box.setDefaultButton(QMessageBox::No);
    if (box.exec() != QMessageBox::Yes || !m_current)
        return;
    EnvironmentDefinition allowed = m_current->definition();
    allowed.installIntoExisting = true;
    m_manager->updateDefinition(allowed);
    m_manager->restart(allowed.id);
}

void MainWindow::duplicateEnvironment()
{
    if (!m_current)
        return;
    if (Environment *copy = m_manager->duplicate(m_current->definition().id))
        setCurrentEnvironment(copy->definition().id);
}

void MainWindow::removeEnvironment()
{
    if (!m_current || !m_sources->confirmLeave())
        return;
    const QString id = m_current->definition().id;
    const EnvironmentDefinition &definition = m_current->definition();
    if (definition.isAdopted()) {
        // The folder is the user's: removing only forgets it (and the app's own files for it).
        QMessageBox box(QMessageBox::Question, tr("Remove environment"),
                        tr("Forget the environment \"%1\"? Its worker is stopped; its folder %2 stays as it is.")
                            .arg(definition.name, definition.existingDir),
                        QMessageBox::Yes | QMessageBox::Cancel, this);
        box.setDefaultButton(QMessageBox::Cancel);
        if (box.exec() == QMessageBox::Yes)
            m_manager->remove(id, true);
        setCurrentEnvironment(m_manager->currentId());
        return;
    }
    QMessageBox box(QMessageBox::Question, tr("Remove environment"),
                    tr("Remove the environment \"%1\"? Its worker is stopped.").arg(definition.name),
                    QMessageBox::Yes | QMessageBox::Cancel, this);
    auto *deleteFolder = new QCheckBox(tr("Also delete the venv folder %1").arg(m_current->baseDir()), &box);
    box.setCheckBox(deleteFolder);
    box.setDefaultButton(QMessageBox::Cancel);
    if (box.exec() != QMessageBox::Yes)
        return;
    m_manager->remove(id, deleteFolder->isChecked());
    setCurrentEnvironment(m_manager->currentId());
}

void MainWindow::startEnvironment()
{
    if (m_current)
        m_manager->start(m_current->definition().id);
}

void MainWindow::stopEnvironment()
{
    if (m_current)
        m_manager->stop(m_current->definition().id);
}

void MainWindow::restartEnvironment()
{
    if (m_current)
        m_manager->restart(m_current->definition().id);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_sources->confirmLeave()) {
        showTab(SourcesTab); // where the edits are
        event->ignore();
        return;
    }
    m_functions->rememberTypedArguments();
    m_manager->save();
    // The window goes at once; the workers close together off the GUI thread, and the app
    // quits on EnvironmentManager::shutDown() (main.cpp), so no Python process outlives it.
    m_manager->beginShutdown();
    event->accept();
}

} // namespace QtPyVenvApp
