// SPDX-License-Identifier: MIT
#include "sourcespage.h"

#include "sourceeditor.h"
#include "sourcefileeditor.h"
#include "core/errorreport.h"
#include "core/environment.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSplitter>
#include <QStringListModel>
#include <QTime>
#include <QVBoxLayout>

namespace QtPyVenvApp {

SourcesPage::SourcesPage(QWidget *parent)
    : QWidget(parent)
    , m_model(new QStringListModel(this))
    , m_view(new QListView(this))
    , m_file(new SourceFileEditor(this))
    , m_reloaded(new QLabel(this))
{
    m_file->setObjectName(QStringLiteral("sourceFileEditor"));
    m_reloaded->setObjectName(QStringLiteral("sourcesReloaded"));

    auto *splitter = new QSplitter(this);
    splitter->addWidget(createListPane());
    splitter->addWidget(m_file);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    const int character = fontMetrics().averageCharWidth();
    splitter->setSizes({character * 32, character * 100}); // the editor gets the room
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Python files loaded into the worker, in this order. "
                                    "Saving one of them reloads the worker."), this));
    layout->addWidget(splitter, 1);
    layout->addWidget(m_reloaded);
}

QWidget *SourcesPage::createListPane()
{
    m_view->setObjectName(QStringLiteral("sourcesList"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setTextElideMode(Qt::ElideLeft); // the file name, at the end, is what tells them apart
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &SourcesPage::onCurrentFileChanged);

    auto *pane = new QWidget(this);
    auto *add = new QPushButton(tr("&Add…"), pane);
    auto *remove = new QPushButton(tr("&Remove"), pane);
    auto *up = new QPushButton(tr("Move &up"), pane);
    auto *down = new QPushButton(tr("Move &down"), pane);
    auto *buttons = new QGridLayout;
    buttons->addWidget(add, 0, 0);
    buttons->addWidget(remove, 0, 1);
    buttons->addWidget(up, 1, 0);
    buttons->addWidget(down, 1, 1);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);

    connect(add, &QPushButton::clicked, this, [this] {
        addFiles(QFileDialog::getOpenFileNames(this, tr("Add Python sources"), QString(),
                                               tr("Python (*.py);;All files (*)")));
    });
    connect(remove, &QPushButton::clicked, this, &SourcesPage::removeSelected);
    connect(up, &QPushButton::clicked, this, [this] { moveSelected(-1); });
    connect(down, &QPushButton::clicked, this, [this] { moveSelected(1); });
    return pane;
}

void SourcesPage::setEnvironment(Environment *environment)
{
    if (environment == m_environment)
        return;
    if (m_environment)
        m_environment->disconnect(this); // every connection made below, to the one it replaces
    m_environment = environment;
    m_reloaded->clear();
    m_mark = {};
    if (environment)
        connectEnvironment(environment);
    load();
    applyMark();
    onStartStateChanged();
}

void SourcesPage::connectEnvironment(Environment *environment)
{
    connect(environment, &Environment::definitionChanged, this, &SourcesPage::load);
    connect(environment, &Environment::statusChanged, this, &SourcesPage::onStartStateChanged);
    connect(environment, &Environment::changeStateChanged, this, &SourcesPage::onStartStateChanged);
    connect(environment, &Environment::callFinished, this, &SourcesPage::onCallFinished);
    connect(environment, &Environment::sourceFileChanged, this, [this](const QString &path) {
        m_reloaded->setText(tr("%1 changed on disk at %2: reloading")
                                .arg(QFileInfo(path).fileName(),
                                     QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
        if (path == m_file->path())
            m_file->reloadIfUnmodified();
    });
}

QStringList SourcesPage::sources() const
{
    return m_model->stringList();
}

bool SourcesPage::confirmLeave()
{
    return m_file->confirmLeave();
}

void SourcesPage::load()
{
    // Reset only when the list differs: an unchanged list keeps the selection (after a move).
    const QStringList sources = m_environment ? m_environment->definition().sources : QStringList();
    if (sources == m_model->stringList())
        return;
    const QString shown = m_file->path();
    m_model->setStringList(sources);
    selectFile(sources.contains(shown) ? shown : sources.value(0));
}

void SourcesPage::selectFile(const QString &path)
{
    m_selecting = true;
    m_view->setCurrentIndex(m_model->index(int(m_model->stringList().indexOf(path))));
    m_selecting = false;
    if (path != m_file->path())
        m_file->open(path);
    applyMark();
}

void SourcesPage::onCurrentFileChanged(const QModelIndex &current)
{
    const QString path = current.data().toString();
    if (m_selecting || path == m_file->path())
        return;
    if (!m_file->confirmLeave()) {
        // Back to the file with the edits, once this change of selection is over.
        QMetaObject::invokeMethod(this, [this, file = m_file->path()] { selectFile(file); }, Qt::QueuedConnection);
        return;
    }
    m_file->open(path);
    applyMark();
}

void SourcesPage::commit()
{
    if (!m_environment)
        return;
    EnvironmentDefinition definition = m_environment->definition();
    definition.sources = m_model->stringList();
    Q_EMIT sourcesChanged(definition);
}

void SourcesPage::addFiles(const QStringList &paths)
{
    QStringList list = m_model->stringList();
    for (const QString &path : paths) {
        const QString absolute = QFileInfo(path).absoluteFilePath();
        if (!path.isEmpty() && !list.contains(absolute))
            list.append(absolute);
    }
    if (list == m_model->stringList())
        return;
    m_model->setStringList(list);
    selectFile(list.contains(m_file->path()) ? m_file->path() : list.value(0));
    commit();
}

void SourcesPage::removeSelected()
{
    const QModelIndex index = m_view->currentIndex();
    if (!index.isValid() || !m_file->confirmLeave())
        return;
    QStringList list = m_model->stringList();
    list.removeAt(index.row());
    m_model->setStringList(list);
    selectFile(list.value(qMin(index.row(), int(list.size()) - 1)));
    commit();
}

void SourcesPage::moveSelected(int delta)
{
    const QModelIndex index = m_view->currentIndex();
    const int target = index.row() + delta;
    if (!index.isValid() || target < 0 || target >= m_model->rowCount())
        return;
    QStringList list = m_model->stringList();
    list.move(index.row(), target);
    m_model->setStringList(list);
    selectFile(list.at(target));
    commit();
}

bool SourcesPage::openLocation(const SourceLocation &location, const QString &message)
{
    if (!location.isValid() || !sources().contains(location.file))
        return false;
    if (location.file != m_file->path()) {
        if (!m_file->confirmLeave())
            return false;
        selectFile(location.file);
    }
    setMark({location, message});
    m_file->editor()->goToLine(location.line);
    return true;
}

void SourcesPage::onStartStateChanged()
{
    const EnvStatus status = m_environment ? m_environment->status() : EnvStatus::Stopped;
    if (status == EnvStatus::Starting || (m_environment && m_environment->isApplyingChange())) {
        setMark({}); // a new worker: what the last one said may no longer hold
        return;
    }
    if (status != EnvStatus::Failed && !(m_environment && m_environment->changeFailed()))
        return;
    const QtPyVenv::Error error = m_environment->lastError();
    const SourceLocation location = errorLocation(error, sources());
    if (!location.isValid())
        return;
    if (location.file != m_file->path() && !m_file->isModified())
        selectFile(location.file); // show where the start failed, unless that drops edits
    setMark({location, errorHeadline(error)});
}

void SourcesPage::onCallFinished(int id)
{
    const CallRecord *record = m_environment->calls()->record(id);
    if (!record || record->state != CallState::Failed)
        return;
    const SourceLocation location = errorLocation(record->error, sources());
    if (location.isValid())
        setMark({location, errorHeadline(record->error)});
}

void SourcesPage::setMark(const ErrorMark &mark)
{
    m_mark = mark;
    applyMark();
}

void SourcesPage::applyMark()
{
    const bool here = m_mark.location.isValid() && m_mark.location.file == m_file->path();
    m_file->editor()->setErrorMark(here ? m_mark.location.line : 0, m_mark.message);
}

} // namespace QtPyVenvApp
