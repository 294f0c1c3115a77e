// SPDX-License-Identifier: MIT
#include "functionspage.h"

#include "colors.h"
#include "core/environment.h"
#include "core/jsontreemodel.h"
#include "core/listmodels.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace QtPyVenvApp {

namespace {
//! "Example arguments: [1, 2]" in a docstring gives the arguments to pre-fill.
QString exampleArgs(const QString &doc)
{
    const QString marker = QStringLiteral("Example arguments:");
    const qsizetype at = doc.indexOf(marker);
    return at < 0 ? QString() : doc.mid(at + marker.size()).section(QLatin1Char('\n'), 0, 0).trimmed();
}
} // namespace

FunctionsPage::FunctionsPage(QWidget *parent)
    : QWidget(parent)
    , m_functionModel(new FunctionModel(this))
    , m_resultModel(new JsonTreeModel(this))
    , m_functionList(new QListView(this))
    , m_doc(new QLabel(this))
    , m_args(new QPlainTextEdit(this))
    , m_argsStatus(new QLabel(this))
    , m_call(new QPushButton(tr("&Call"), this))
    , m_resultHeader(new QLabel(this))
    , m_resultStack(new QStackedWidget(this))
    , m_resultTree(new QTreeView(this))
    , m_resultText(new QPlainTextEdit(this))
    , m_errorView(new QPlainTextEdit(this))
    , m_history(new QListView(this))
{
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_functionList->setObjectName(QStringLiteral("functionList"));
    m_functionList->setModel(m_functionModel);
    m_functionList->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_doc->setObjectName(QStringLiteral("functionDoc"));
    m_doc->setWordWrap(true);
    m_doc->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_doc->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_args->setObjectName(QStringLiteral("argsEditor"));
    m_args->setFont(fixed);
    m_args->setPlaceholderText(tr("JSON arguments, passed as the one argument; empty means none"));
    m_args->setTabChangesFocus(true);
    m_argsStatus->setObjectName(QStringLiteral("argsStatus"));
    m_call->setObjectName(QStringLiteral("callButton"));
    m_call->setToolTip(tr("Call the function (Ctrl+Return)"));
    m_resultHeader->setObjectName(QStringLiteral("resultHeader"));
    m_resultHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_resultTree->setObjectName(QStringLiteral("resultTree"));
    m_resultTree->setModel(m_resultModel);
    m_resultTree->setUniformRowHeights(true);
    m_resultTree->setAlternatingRowColors(true);
    m_resultTree->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_resultText->setObjectName(QStringLiteral("resultText"));
    m_resultText->setReadOnly(true);
    m_resultText->setFont(fixed);
    m_errorView->setObjectName(QStringLiteral("errorView"));
    m_errorView->setReadOnly(true);
    m_errorView->setFont(fixed);
    m_errorView->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_history->setObjectName(QStringLiteral("historyList"));
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_history->setToolTip(tr("Double-click or Enter to run again"));

    // Left: functions and their doc.
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("Functions"), left));
    leftLayout->addWidget(m_functionList, 2);
    leftLayout->addWidget(m_doc, 1);
    leftLayout->addWidget(new QLabel(tr("History"), left));
    leftLayout->addWidget(m_history, 2);

    // Right: arguments, call, result.
    auto *resultTabs = new QTabBar(this);
    resultTabs->setObjectName(QStringLiteral("resultTabs"));
    resultTabs->addTab(tr("Tree"));
    resultTabs->addTab(tr("Text"));
    resultTabs->setExpanding(false);
    resultTabs->setDocumentMode(true);
    auto *resultPane = new QStackedWidget(this);
    resultPane->addWidget(m_resultTree);
    resultPane->addWidget(m_resultText);
    connect(resultTabs, &QTabBar::currentChanged, resultPane, &QStackedWidget::setCurrentIndex);
    auto *okPage = new QWidget(this);
    auto *okLayout = new QVBoxLayout(okPage);
    okLayout->setContentsMargins(0, 0, 0, 0);
    okLayout->setSpacing(0);
    okLayout->addWidget(resultTabs);
    okLayout->addWidget(resultPane, 1);
    m_resultStack->addWidget(okPage);
    m_resultStack->addWidget(m_errorView);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(new QLabel(tr("Arguments (JSON)"), right));
    rightLayout->addWidget(m_args, 1);
    auto *callRow = new QHBoxLayout;
    callRow->addWidget(m_argsStatus, 1);
    callRow->addWidget(m_call);
    rightLayout->addLayout(callRow);
    rightLayout->addWidget(m_resultHeader);
    rightLayout->addWidget(m_resultStack, 3);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &FunctionsPage::callCurrent);
    auto *shortcutEnter = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Enter), this);
    shortcutEnter->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcutEnter, &QShortcut::activated, this, &FunctionsPage::callCurrent);

    connect(m_call, &QPushButton::clicked, this, &FunctionsPage::callCurrent);
    connect(m_args, &QPlainTextEdit::textChanged, this, &FunctionsPage::validateArgs);
    connect(m_functionList->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current, const QModelIndex &previous) {
                if (previous.isValid())
                    m_argsByFunction.insert(previous.data(FunctionModel::NameRole).toString(), m_args->toPlainText());
                const QString name = current.data(FunctionModel::NameRole).toString();
                const QString doc = current.data(FunctionModel::DocRole).toString();
                m_args->setPlainText(m_argsByFunction.value(name, exampleArgs(doc)));
                updateDoc();
                updateCallEnabled();
            });
    connect(m_history, &QListView::activated, this, &FunctionsPage::rerun);
    m_resultHeader->setText(tr("Pick a function, type its arguments, press Ctrl+Return."));
    validateArgs();
}

void FunctionsPage::setEnvironment(Environment *environment)
{
    if (environment == m_environment)
        return;
    if (m_environment)
        m_environment->disconnect(this); // every connection made below, to the one it replaces
    m_environment = environment;
    m_pendingCall = 0;
    m_shownCall = 0;
    m_argsByFunction.clear();
    m_resultModel->clear();
    m_resultText->clear();
    m_errorView->clear();
    m_resultStack->setCurrentIndex(0);
    m_resultHeader->setText(tr("Pick a function, type its arguments, press Ctrl+Return."));
    m_history->setModel(environment ? environment->history() : nullptr);
    if (environment) {
        connect(environment, &Environment::functionsChanged, this, &FunctionsPage::reloadFunctions);
        connect(environment, &Environment::statusChanged, this, &FunctionsPage::updateCallEnabled);
        connect(environment, &Environment::callFinished, this, [this](int id) {
            if (id == m_pendingCall)
                showCall(id);
        });
    }
    reloadFunctions();
}

void FunctionsPage::reloadFunctions()
{
    const QString previous = currentFunction();
    m_functionModel->setFunctions(m_environment ? m_environment->functions() : QList<QtPyVenv::FunctionInfo>());
    if (!selectFunction(previous) && m_functionModel->rowCount() > 0)
        m_functionList->setCurrentIndex(m_functionModel->index(0));
    updateDoc();
    updateCallEnabled();
}

bool FunctionsPage::selectFunction(const QString &name)
{
    const int row = name.isEmpty() ? -1 : m_functionModel->rowOf(name);
    if (row < 0)
        return false;
    m_functionList->setCurrentIndex(m_functionModel->index(row));
    return true;
}

QString FunctionsPage::currentFunction() const
{
    return m_functionList->currentIndex().data(FunctionModel::NameRole).toString();
}

void FunctionsPage::updateDoc()
{
    const QModelIndex current = m_functionList->currentIndex();
    if (!current.isValid()) {
        m_doc->setText(m_environment && m_environment->status() == EnvStatus::Ready
                           ? tr("The sources define no public function.")
                           : tr("Functions appear when the environment is ready."));
        return;
    }
    const QString doc = current.data(FunctionModel::DocRole).toString();
    m_doc->setText(QStringLiteral("<b>%1</b><tt>%2</tt><br>%3")
                       .arg(current.data(FunctionModel::NameRole).toString().toHtmlEscaped(),
                            current.data(FunctionModel::SignatureRole).toString().toHtmlEscaped(),
                            doc.isEmpty() ? tr("<i>no docstring</i>")
                                          : doc.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
}

bool FunctionsPage::argsValid() const
{
    QJsonValue value;
    return parseJsonArgs(m_args->toPlainText(), &value, nullptr);
}

void FunctionsPage::validateArgs()
{
    QJsonValue value;
    QString error;
    if (parseJsonArgs(m_args->toPlainText(), &value, &error)) {
        m_argsStatus->setText(value.isNull() ? tr("✓ no arguments (null)") : tr("✓ valid JSON %1").arg(jsonTypeName(value)));
        m_argsStatus->setStyleSheet(QString());
    } else {
        m_argsStatus->setText(tr("✗ %1").arg(error));
        m_argsStatus->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));
    }
    updateCallEnabled();
}

void FunctionsPage::updateCallEnabled()
{
    m_call->setEnabled(m_environment && m_environment->status() == EnvStatus::Ready && !currentFunction().isEmpty()
                       && argsValid());
}

void FunctionsPage::callCurrent()
{
    if (!m_call->isEnabled())
        return;
    QJsonValue args;
    if (!parseJsonArgs(m_args->toPlainText(), &args, nullptr))
        return;
    const QString function = currentFunction();
    m_environment->history()->add({function, m_args->toPlainText().trimmed(), QDateTime::currentDateTime()});
    m_pendingCall = m_environment->call(function, args);
    m_resultHeader->setText(tr("%1 — running…").arg(function));
}

void FunctionsPage::showCall(int callId)
{
    const CallRecord *record = m_environment ? m_environment->calls()->record(callId) : nullptr;
    if (!record)
        return;
    m_shownCall = callId;
    const QString duration = formatDuration(record->durationMs);
    if (record->error.ok()) {
        m_resultHeader->setText(tr("%1 → %2 in %3").arg(record->function, jsonTypeName(record->result), duration));
        m_resultHeader->setStyleSheet(QString());
        m_resultModel->setJson(record->result);
        m_resultTree->expandToDepth(1);
        m_resultTree->resizeColumnToContents(JsonTreeModel::KeyColumn);
        m_resultTree->resizeColumnToContents(JsonTreeModel::ValueColumn);
        m_resultText->setPlainText(prettyJson(record->result));
        m_resultStack->setCurrentIndex(0);
    } else {
        const QtPyVenv::Error &e = record->error;
        m_resultHeader->setText(tr("%1 failed after %2: %3").arg(record->function, duration,
                                                                 e.type.isEmpty() ? e.message : e.type + QStringLiteral(": ") + e.message));
        m_resultHeader->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));
        QString text = e.type.isEmpty() ? e.message : QStringLiteral("%1: %2").arg(e.type, e.message);
        if (!e.traceback.isEmpty())
            text += QStringLiteral("\n\n") + e.traceback;
        m_errorView->setPlainText(text);
        m_resultStack->setCurrentIndex(1);
    }
    Q_EMIT resultShown(callId);
}

void FunctionsPage::rerun(const QModelIndex &historyIndex)
{
    if (!historyIndex.isValid())
        return;
    const QString function = historyIndex.data(HistoryModel::FunctionRole).toString();
    if (!selectFunction(function))
        return;
    m_args->setPlainText(historyIndex.data(HistoryModel::ArgsTextRole).toString());
    callCurrent();
}

} // namespace QtPyVenvApp
