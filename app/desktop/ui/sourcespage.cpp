// SPDX-License-Identifier: MIT
#include "sourcespage.h"

#include "colors.h"
#include "core/environment.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QStringListModel>
#include <QTime>
#include <QVBoxLayout>

namespace QtPyVenvApp {

SourcesPage::SourcesPage(QWidget *parent)
    : QWidget(parent)
    , m_model(new QStringListModel(this))
    , m_view(new QListView(this))
    , m_error(new QLabel(this))
    , m_reloaded(new QLabel(this))
{
    m_view->setObjectName(QStringLiteral("sourcesList"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_error->setObjectName(QStringLiteral("sourcesError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_reloaded->setObjectName(QStringLiteral("sourcesReloaded"));

    auto *add = new QPushButton(tr("&Add…"), this);
    auto *remove = new QPushButton(tr("&Remove"), this);
    auto *up = new QPushButton(tr("Move &up"), this);
    auto *down = new QPushButton(tr("Move &down"), this);
    auto *buttons = new QVBoxLayout;
    for (QPushButton *b : {add, remove, up, down})
        buttons->addWidget(b);
    buttons->addStretch(1);
    auto *row = new QHBoxLayout;
    row->addWidget(m_view, 1);
    row->addLayout(buttons);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Python files loaded into the worker, in this order. "
                                    "Saving one of them reloads the worker."), this));
    layout->addLayout(row, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_reloaded);

    connect(add, &QPushButton::clicked, this, [this] {
        addFiles(QFileDialog::getOpenFileNames(this, tr("Add Python sources"), QString(),
                                               tr("Python (*.py);;All files (*)")));
    });
    connect(remove, &QPushButton::clicked, this, &SourcesPage::removeSelected);
    connect(up, &QPushButton::clicked, this, [this] { moveSelected(-1); });
    connect(down, &QPushButton::clicked, this, [this] { moveSelected(1); });
    updateError();
}

void SourcesPage::setEnvironment(Environment *environment)
{
    if (environment == m_environment)
        return;
    if (m_environment)
        m_environment->disconnect(this); // every connection made below, to the one it replaces
    m_environment = environment;
    m_reloaded->clear();
    if (environment) {
        connect(environment, &Environment::definitionChanged, this, &SourcesPage::load);
        connect(environment, &Environment::statusChanged, this, &SourcesPage::updateError);
        connect(environment, &Environment::sourceFileChanged, this, [this](const QString &path) {
            m_reloaded->setText(tr("%1 changed on disk at %2: reloading")
                                    .arg(QFileInfo(path).fileName(),
                                         QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
        });
    }
    load();
    updateError();
}

QStringList SourcesPage::sources() const
{
    return m_model->stringList();
}

QString SourcesPage::errorText() const
{
    return m_error->text();
}

void SourcesPage::load()
{
    // Reset only when the list differs: an unchanged list keeps the selection (after a move).
    const QStringList sources = m_environment ? m_environment->definition().sources : QStringList();
    if (sources != m_model->stringList())
        m_model->setStringList(sources);
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
    commit();
}

void SourcesPage::removeSelected()
{
    const QModelIndex index = m_view->currentIndex();
    if (!index.isValid())
        return;
    m_model->removeRow(index.row());
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
    m_view->setCurrentIndex(m_model->index(target));
    commit();
}

void SourcesPage::updateError()
{
    const QtPyVenv::Error error = m_environment ? m_environment->lastError() : QtPyVenv::Error();
    const bool show = m_environment && m_environment->status() == EnvStatus::Failed && !error.ok()
        && error.code != QtPyVenv::ErrorCode::InstallFailed;
    m_error->setVisible(show);
    if (!show)
        return;
    // The worker formats a SyntaxError as "FILE, line N: MESSAGE".
    m_error->setText(error.type.isEmpty() ? error.message : QStringLiteral("%1: %2").arg(error.type, error.message));
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));
}

} // namespace QtPyVenvApp
