// SPDX-License-Identifier: MIT
#include "functionspage.h"

#include "argumentsform.h"
#include "callprogresspanel.h"
#include "colors.h"
#include "resultview.h"
#include "tracebackview.h"

#include "core/errorreport.h"
#include "core/arguments.h"
#include "core/environment.h"
#include "core/listmodels.h"
#include "core/resultvalue.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QToolButton>
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

//! The form's fields pre-filled with the docstring's example: it is the first parameter's value.
QStringList exampleFields(const QtPyVenv::FunctionInfo &function)
{
    QStringList texts;
    const QString example = exampleArgs(function.doc);
    for (const QtPyVenv::ParameterInfo &p : function.parameters) {
        const bool first = texts.isEmpty() && (p.kind == QtPyVenv::ParameterInfo::Kind::Positional
                                               || p.kind == QtPyVenv::ParameterInfo::Kind::PositionalOrKeyword);
        texts << (first ? example : QString());
    }
    return texts;
}

bool signatureKnown(const QtPyVenv::FunctionInfo &function)
{
    return !function.parameters.isEmpty() || function.signature == QLatin1String("()");
}

//! "table[1000×4]" for what shows as a table, else the type and the summary: "object {6}".
QString resultSummary(const QCborValue &value)
{
    if (chooseView(value) == ResultKind::Table) {
        const QtPyVenv::Table table = tableOf(value);
        return QStringLiteral("table[%1×%2]").arg(table.rowCount()).arg(table.columnCount());
    }
    const QString type = valueTypeName(value);
    const QString summary = valueSummary(value);
    return summary.startsWith(type) ? summary : type + QLatin1Char(' ') + summary;
}

constexpr auto IdleHeader = "Pick a function, enter its arguments, press Ctrl+Return.";

} // namespace

FunctionsPage::FunctionsPage(QWidget *parent)
    : QWidget(parent)
    , m_functionModel(new FunctionModel(this))
    , m_functionList(new QListView(this))
    , m_doc(new QLabel(this))
    , m_history(new QListView(this))
    , m_form(new ArgumentsForm(this))
    , m_args(new QPlainTextEdit(this))
    , m_argsStack(new QStackedWidget(this))
    , m_rawToggle(new QToolButton(this))
    , m_argsStatus(new QLabel(this))
    , m_call(new QPushButton(tr("&Call"), this))
    , m_resultHeader(new QLabel(this))
    , m_progress(new CallProgressPanel(this))
    , m_resultStack(new QStackedWidget(this))
    , m_resultView(new ResultView(this))
    , m_errorView(new TracebackView(this))
{
    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(createArgumentsPane());
    right->addWidget(createResultPane());
    right->setStretchFactor(0, 0);
    right->setStretchFactor(1, 1);
    right->setSizes({fontMetrics().height() * 9, fontMetrics().height() * 40}); // a few fields, the rest for the result
    auto *splitter = new QSplitter(this);
    splitter->addWidget(createFunctionsPane());
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
    createShortcuts();
    validateArgs();
}

QWidget *FunctionsPage::createFunctionsPane()
{
    m_functionList->setObjectName(QStringLiteral("functionList"));
    m_functionList->setModel(m_functionModel);
    m_functionList->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_doc->setObjectName(QStringLiteral("functionDoc"));
    m_doc->setWordWrap(true);
    m_doc->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_doc->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_history->setObjectName(QStringLiteral("historyList"));
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_history->setToolTip(tr("Double-click or Enter to run again"));
    connect(m_functionList->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &FunctionsPage::onCurrentFunctionChanged);
    connect(m_history, &QListView::activated, this, &FunctionsPage::rerun);

    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Functions"), pane));
    layout->addWidget(m_functionList, 2);
    layout->addWidget(m_doc, 1);
    layout->addWidget(new QLabel(tr("History"), pane));
    layout->addWidget(m_history, 2);
    return pane;
}

QWidget *FunctionsPage::createArgumentsPane()
{
    m_form->setObjectName(QStringLiteral("argumentsForm"));
    connect(m_form, &ArgumentsForm::changed, this, &FunctionsPage::validateArgs);
    auto *formScroll = new QScrollArea(this);
    formScroll->setWidget(m_form);
    formScroll->setWidgetResizable(true);
    formScroll->setFrameShape(QFrame::NoFrame);
    formScroll->viewport()->setAutoFillBackground(false);
    m_form->setAutoFillBackground(false); // setWidget() turned it on: show the page behind
    m_args->setObjectName(QStringLiteral("argsEditor"));
    m_args->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_args->setPlaceholderText(tr("One JSON value, passed as the one argument; empty means none"));
    m_args->setTabChangesFocus(true);
    connect(m_args, &QPlainTextEdit::textChanged, this, &FunctionsPage::validateArgs);
    m_argsStack->addWidget(formScroll);
    m_argsStack->addWidget(m_args);
    m_rawToggle->setObjectName(QStringLiteral("rawJsonToggle"));
    m_rawToggle->setText(tr("Raw JSON"));
    m_rawToggle->setCheckable(true);
    m_rawToggle->setToolTip(tr("Type the arguments as one JSON value instead of in the form"));
    connect(m_rawToggle, &QToolButton::toggled, this, &FunctionsPage::setRawArguments);
    m_argsStatus->setObjectName(QStringLiteral("argsStatus"));
    m_argsStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_call->setObjectName(QStringLiteral("callButton"));
    m_call->setToolTip(tr("Call the function (Ctrl+Return)"));
    connect(m_call, &QPushButton::clicked, this, &FunctionsPage::callCurrent);

    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *title = new QHBoxLayout;
    title->addWidget(new QLabel(tr("Arguments"), pane), 1);
    title->addWidget(m_rawToggle);
    layout->addLayout(title);
    layout->addWidget(m_argsStack, 1);
    auto *callRow = new QHBoxLayout;
    callRow->addWidget(m_argsStatus, 1);
    callRow->addWidget(m_call);
    layout->addLayout(callRow);
    return pane;
}

QWidget *FunctionsPage::createResultPane()
{
    m_resultHeader->setObjectName(QStringLiteral("resultHeader"));
    m_resultHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setHeader(tr(IdleHeader), HeaderTone::Hint);
    m_resultView->setObjectName(QStringLiteral("resultView"));
    m_errorView->setObjectName(QStringLiteral("errorView"));
    connect(m_errorView, &TracebackView::locationActivated, this, [this](const SourceLocation &location) {
        const CallRecord *record = m_environment ? m_environment->calls()->record(m_shownCall) : nullptr;
        Q_EMIT sourceLocationActivated(location, record ? errorHeadline(record->error) : QString());
    });
    m_resultStack->addWidget(m_resultView);
    m_resultStack->addWidget(m_errorView);
    m_progress->setObjectName(QStringLiteral("callProgress"));
    connect(m_progress, &CallProgressPanel::cancelClicked, this, [this] {
        if (m_environment)
            m_environment->cancel(m_pendingCall);
    });

    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_resultHeader);
    layout->addWidget(m_progress);
    layout->addWidget(m_resultStack, 1);
    return pane;
}

void FunctionsPage::createShortcuts()
{
    for (const QKeyCombination keys : {Qt::CTRL | Qt::Key_Return, Qt::CTRL | Qt::Key_Enter}) {
        auto *shortcut = new QShortcut(QKeySequence(keys), this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &FunctionsPage::callCurrent);
    }
}

void FunctionsPage::setEnvironment(Environment *environment)
{
    if (environment == m_environment)
        return;
    if (m_environment) {
        m_environment->disconnect(this); // every connection made below, to the one it replaces
        m_environment->calls()->disconnect(this);
    }
    m_environment = environment;
    rememberArguments(currentFunction()); // in the environment left
    m_functionModel->setFunctions({}); // no current function: nothing typed carries over
    m_wantedFunction.clear();
    clearResult();
    m_history->setModel(environment ? environment->history() : nullptr);
    if (environment) {
        connect(environment, &Environment::functionsChanged, this, &FunctionsPage::reloadFunctions);
        connect(environment, &Environment::changeStateChanged, this,
                [this] { m_functionModel->setStale(m_environment->functionsStale()); });
        connect(environment, &Environment::statusChanged, this, &FunctionsPage::updateCallEnabled);
        connect(environment, &Environment::callFinished, this, [this](int id) {
            if (id == m_pendingCall)
                showCall(id);
        });
        connect(environment->calls(), &QAbstractItemModel::dataChanged, this, &FunctionsPage::onCallsChanged);
    }
    reloadFunctions();
}

void FunctionsPage::clearResult()
{
    m_pendingCall = 0;
    m_shownCall = 0;
    m_progress->showRecord(nullptr);
    m_resultView->clear();
    m_errorView->clear();
    m_resultStack->setCurrentIndex(0);
    setHeader(tr(IdleHeader), HeaderTone::Hint);
}

void FunctionsPage::reloadFunctions()
{
    rememberArguments(currentFunction()); // what was typed survives a reload
    m_functionModel->setFunctions(m_environment ? m_environment->functions() : QList<QtPyVenv::FunctionInfo>());
    m_functionModel->setStale(m_environment && m_environment->functionsStale());
    // A restart lists no functions until Ready: the wanted one is picked again by name then.
    if (m_functionModel->rowCount() == 0) {
        m_form->setParameters({});
    } else if (!selectFunction(m_wantedFunction)) {
        if (!m_wantedFunction.isEmpty())
            clearResult(); // what it showed belongs to a function that is gone
        m_functionList->setCurrentIndex(m_functionModel->index(0));
    }
    updateDoc();
    updateCallEnabled();
}

void FunctionsPage::onCurrentFunctionChanged(const QModelIndex &current, const QModelIndex &previous)
{
    if (previous.isValid())
        rememberArguments(previous.data(FunctionModel::NameRole).toString());
    const QtPyVenv::FunctionInfo function = m_functionModel->functions().value(current.row());
    if (current.isValid())
        m_wantedFunction = function.name;
    m_form->setParameters(function.parameters, signatureKnown(function));
    QStringList texts = exampleFields(function);
    const TypedArguments typed = m_environment ? m_environment->typedArguments(function.name) : TypedArguments();
    if (!typed.fields.isEmpty()) {
        for (qsizetype i = 0; i < function.parameters.size(); ++i)
            texts[i] = typed.fields.value(function.parameters.at(i).name);
    }
    m_form->setTexts(texts);
    m_args->setPlainText(typed == TypedArguments() ? exampleArgs(function.doc) : typed.raw);
    updateDoc();
    validateArgs();
}

void FunctionsPage::rememberArguments(const QString &function)
{
    if (function.isEmpty() || !m_environment)
        return;
    TypedArguments typed{m_args->toPlainText(), {}};
    const QStringList texts = m_form->texts();
    for (qsizetype i = 0; i < texts.size(); ++i)
        typed.fields.insert(m_form->parameters().at(i).name, texts.at(i));
    m_environment->setTypedArguments(function, typed);
}

void FunctionsPage::rememberTypedArguments()
{
    rememberArguments(currentFunction());
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

bool FunctionsPage::isRawArguments() const
{
    return m_argsStack->currentWidget() == m_args;
}

void FunctionsPage::setRawArguments(bool raw)
{
    m_rawToggle->setChecked(raw); // no loop: toggled() only fires on a change
    m_argsStack->setCurrentIndex(raw ? 1 : 0);
    validateArgs();
}

bool FunctionsPage::currentArguments(QtPyVenv::Arguments *arguments, QString *error) const
{
    if (isRawArguments()) {
        QCborValue value;
        if (!parseJsonText(m_args->toPlainText(), &value, error))
            return false;
        *arguments = rawArguments(value);
        return true;
    }
    const FormArguments form = m_form->result();
    if (!form.ok()) {
        *error = form.error;
        return false;
    }
    *arguments = form.arguments;
    return true;
}

bool FunctionsPage::argsValid() const
{
    QtPyVenv::Arguments arguments;
    QString error;
    return currentArguments(&arguments, &error);
}

void FunctionsPage::validateArgs()
{
    QtPyVenv::Arguments arguments;
    QString error;
    if (currentArguments(&arguments, &error)) {
        QString call = QStringLiteral("%1(%2)").arg(currentFunction(), argumentsText(arguments));
        if (call.size() > 100)
            call = call.left(99) + QChar(0x2026);
        m_argsStatus->setText(tr("✓ %1").arg(call));
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
    QtPyVenv::Arguments arguments;
    QString error;
    if (!m_call->isEnabled() || !currentArguments(&arguments, &error))
        return;
    const QString function = currentFunction();
    HistoryEntry entry{function, m_args->toPlainText().trimmed(), QDateTime::currentDateTime(), {}, false};
    if (!isRawArguments())
        entry = {function, argumentsText(arguments), entry.when, m_form->texts(), true};
    m_environment->history()->add(entry);
    rememberArguments(function);
    m_pendingCall = m_environment->invoke(function, arguments);
    m_shownPartials = 0;
    setHeader(tr("%1 — running…").arg(function), HeaderTone::Normal);
    m_progress->showRecord(m_environment->calls()->record(m_pendingCall));
}

void FunctionsPage::onCallsChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    const int row = m_environment->calls()->rowOf(m_pendingCall);
    if (row < topLeft.row() || row > bottomRight.row())
        return;
    if (const CallRecord *record = m_environment->calls()->record(m_pendingCall); record && record->state == CallState::Running)
        showRunning(*record);
}

void FunctionsPage::showRunning(const CallRecord &record)
{
    m_progress->showRecord(&record);
    if (record.partialCount == m_shownPartials)
        return;
    showPartials(record);
    m_resultHeader->setText(tr("%1 — running… %2 partial results").arg(record.function).arg(record.partialCount));
}

void FunctionsPage::showPartials(const CallRecord &record)
{
    // The first replaces the last call's result; later ones keep the view the user picked.
    if (m_shownPartials == 0)
        m_resultView->setValue(record.partialsValue());
    else
        m_resultView->updateValue(record.partialsValue());
    m_shownPartials = record.partialCount;
    m_resultStack->setCurrentWidget(m_resultView);
}

void FunctionsPage::showCall(int callId)
{
    const CallRecord *record = m_environment ? m_environment->calls()->record(callId) : nullptr;
    if (!record)
        return;
    m_shownCall = callId;
    m_progress->showRecord(record);
    if (record->state == CallState::Done)
        showResult(*record);
    else if (record->state == CallState::Cancelled)
        showCancelled(*record);
    else
        showError(*record);
    Q_EMIT resultShown(callId);
}

void FunctionsPage::showResult(const CallRecord &record)
{
    QString header = tr("%1 → %2 in %3").arg(record.function, resultSummary(record.result), formatDuration(record.durationMs));
    if (record.partialCount > 0)
        header += tr(", after %1 partial results").arg(record.partialCount);
    m_resultView->setValue(record.result);
    setHeader(header, HeaderTone::Normal);
    m_resultStack->setCurrentWidget(m_resultView);
}

void FunctionsPage::showCancelled(const CallRecord &record)
{
    // Not a failure: no error colour. What it yielded before is worth keeping on screen.
    setHeader(tr("%1 cancelled after %2").arg(record.function, formatDuration(record.durationMs)), HeaderTone::Normal);
    if (record.partialCount > 0) {
        showPartials(record);
        return;
    }
    const QtPyVenv::Error &e = record.error;
    m_errorView->setTraceback(e.traceback.isEmpty() ? e.message : e.traceback, m_environment->definition().sources);
    m_resultStack->setCurrentWidget(m_errorView);
}

void FunctionsPage::setHeader(const QString &text, HeaderTone tone)
{
    m_resultHeader->setText(text);
    // The palette, not a style sheet: the hint takes the placeholder colour of whatever
    // palette is in use; only an error sets a colour of its own.
    QPalette colours; // an empty palette inherits all of the page's
    if (tone == HeaderTone::Error)
        colours.setColor(QPalette::WindowText, stderrColor(palette()));
    m_resultHeader->setPalette(colours);
    m_resultHeader->setForegroundRole(tone == HeaderTone::Hint ? QPalette::PlaceholderText : QPalette::WindowText);
}

void FunctionsPage::showError(const CallRecord &record)
{
    const QtPyVenv::Error &e = record.error;
    const QString what = errorHeadline(e);
    setHeader(tr("%1 failed after %2: %3").arg(record.function, formatDuration(record.durationMs), what), HeaderTone::Error);
    m_errorView->setTraceback(e.traceback.isEmpty() ? what : what + QStringLiteral("\n\n") + e.traceback,
                              m_environment->definition().sources);
    m_resultStack->setCurrentWidget(m_errorView);
}

void FunctionsPage::rerun(const QModelIndex &historyIndex)
{
    if (!historyIndex.isValid())
        return;
    if (!selectFunction(historyIndex.data(HistoryModel::FunctionRole).toString()))
        return;
    const bool fromForm = historyIndex.data(HistoryModel::FromFormRole).toBool();
    setRawArguments(!fromForm);
    if (fromForm)
        m_form->setTexts(historyIndex.data(HistoryModel::FieldTextsRole).toStringList());
    else
        m_args->setPlainText(historyIndex.data(HistoryModel::ArgsTextRole).toString());
    callCurrent();
}

} // namespace QtPyVenvApp
