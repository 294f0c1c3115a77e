// SPDX-License-Identifier: MIT
#include "sourcefileeditor.h"

#include "colors.h"
#include "sourceeditor.h"

#include "core/logging.h"

#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QShortcut>
#include <QStringDecoder>
#include <QTime>
#include <QVBoxLayout>

namespace QtPyVenvApp {

SourceFileEditor::SourceFileEditor(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_save(new QPushButton(tr("Sa&ve"), this))
    , m_editor(new SourceEditor(this))
    , m_status(new QLabel(this))
    , m_prompt([this](const QString &path) { return askAboutUnsavedChanges(path); })
{
    m_title->setObjectName(QStringLiteral("sourceFileTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_save->setObjectName(QStringLiteral("saveSourceButton"));
    m_save->setToolTip(tr("Save the file (Ctrl+S); a running worker reloads it"));
    m_editor->setObjectName(QStringLiteral("sourceEditor"));
    m_status->setObjectName(QStringLiteral("sourceFileStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_save);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_status);

    auto *shortcut = new QShortcut(QKeySequence::Save, this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &SourceFileEditor::save);
    connect(m_save, &QPushButton::clicked, this, &SourceFileEditor::save);
    connect(m_editor->document(), &QTextDocument::modificationChanged, this, &SourceFileEditor::updateTitle);
    open(QString());
}

bool SourceFileEditor::isModified() const
{
    return m_editor->document()->isModified();
}

void SourceFileEditor::open(const QString &path)
{
    m_path = path;
    const FileText file = path.isEmpty() ? FileText() : read();
    m_crlf = file.crlf;
    m_editor->setReadOnly(path.isEmpty() || !file.error.isEmpty());
    m_editor->setPlainText(file.text); // also clears the undo history and the modified flag
    m_editor->setErrorMark(0, QString());
    setStatus(file.error, !file.error.isEmpty());
    updateTitle();
}

SourceFileEditor::FileText SourceFileEditor::read() const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return {{}, false, tr("Cannot read %1: %2").arg(m_path, file.errorString())};
    QStringDecoder utf8(QStringDecoder::Utf8);
    QString text = utf8(file.readAll());
    if (utf8.hasError())
        return {{}, false, tr("%1 is not UTF-8 text: shown read-only, so saving cannot change it").arg(m_path)};
    const bool crlf = text.contains(QLatin1String("\r\n"));
    return {text.replace(QLatin1String("\r\n"), QLatin1String("\n")), crlf, {}};
}

bool SourceFileEditor::save()
{
    if (!isModified() || m_path.isEmpty())
        return true;
    QSaveFile file(m_path); // all or nothing: the worker never reads half a file
    QString text = m_editor->toPlainText();
    const QByteArray bytes = (m_crlf ? text.replace(QLatin1Char('\n'), QLatin1String("\r\n")) : text).toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        qCWarning(lcApp) << "cannot save" << m_path << file.errorString();
        setStatus(tr("Cannot save %1: %2. The text is kept here.").arg(m_path, file.errorString()), true);
        return false;
    }
    m_editor->document()->setModified(false);
    setStatus(tr("Saved at %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))), false);
    Q_EMIT saved(m_path);
    return true;
}

bool SourceFileEditor::confirmLeave()
{
    if (!isModified())
        return true;
    switch (m_prompt(m_path)) {
    case QMessageBox::Save:
        return save();
    case QMessageBox::Discard:
        open(m_path);
        return true;
    default:
        return false;
    }
}

QMessageBox::StandardButton SourceFileEditor::askAboutUnsavedChanges(const QString &path)
{
    return QMessageBox::question(this, tr("Unsaved changes"), tr("%1 has unsaved changes. Save them?").arg(path),
                                 QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
}

void SourceFileEditor::reloadIfUnmodified()
{
    if (isModified() || m_path.isEmpty())
        return;
    if (const FileText file = read(); !file.error.isEmpty() || file.text == m_editor->toPlainText())
        return; // our own save comes back here too: keep the cursor and the undo history then
    const int line = m_editor->currentLine();
    open(m_path);
    m_editor->goToLine(line);
}

QString SourceFileEditor::statusText() const
{
    return m_status->text();
}

void SourceFileEditor::setStatus(const QString &text, bool isError)
{
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
    QPalette colours; // an empty palette inherits all of the parent's
    if (isError)
        colours.setColor(QPalette::WindowText, stderrColor(palette()));
    m_status->setPalette(colours);
}

void SourceFileEditor::updateTitle()
{
    m_title->setText(m_path.isEmpty() ? tr("Select a file to edit it.")
                                      : m_path + (isModified() ? QStringLiteral("*") : QString()));
    m_save->setEnabled(isModified() && !m_path.isEmpty());
}

} // namespace QtPyVenvApp
