// SPDX-License-Identifier: MIT
#pragma once

#include <QMessageBox>
#include <QWidget>

#include <functional>

class QLabel;
class QPushButton;

namespace QtPyVenvApp {

class SourceEditor;

/*!
 * One source file open for editing: its path (with "*" while it has unsaved edits), Save
 * (Ctrl+S, enabled with edits) and a SourceEditor. Never drops edits silently: before another
 * file replaces them, confirmLeave() asks to save, discard or cancel. A file it cannot read as
 * UTF-8 shows read-only, so saving cannot overwrite what it did not show; a failed write
 * keeps the text and says why; saving keeps the file's permissions and "\r\n" line ends.
 */
class SourceFileEditor : public QWidget
{
    Q_OBJECT

public:
    //! Asked what to do with the unsaved edits to \a path: Save, Discard or Cancel.
    using UnsavedChangesPrompt = std::function<QMessageBox::StandardButton(const QString &path)>;

    explicit SourceFileEditor(QWidget *parent = nullptr);

    SourceEditor *editor() const { return m_editor; }
    //! The file shown, empty when none.
    QString path() const { return m_path; }
    bool isModified() const;
    //! Shows \a path read from disk (empty: nothing), dropping any edits: confirmLeave() first.
    void open(const QString &path);
    //! Writes the text to path(); false, with the reason shown and the text kept, when it cannot.
    bool save();
    //! Whether the edits may go: true without edits or once saved or discarded, false on Cancel.
    bool confirmLeave();
    //! Replaces the question confirmLeave() asks (a QMessageBox), e.g. for tests.
    void setUnsavedChangesPrompt(UnsavedChangesPrompt prompt) { m_prompt = std::move(prompt); }
    //! Reads the file again when it changed on disk and has no edits here.
    void reloadIfUnmodified();
    //! What the status line says: why a read or write failed, or that the file was saved.
    QString statusText() const;

Q_SIGNALS:
    //! The edits were written to \a path.
    void saved(const QString &path);

private:
    QMessageBox::StandardButton askAboutUnsavedChanges(const QString &path);
    //! What read() found: the text with '\n' line ends, or why there is none.
    struct FileText {
        QString text;
        bool crlf = false; //!< the file ends its lines with "\r\n": saving keeps that
        QString error;     //!< unreadable or not UTF-8
    };
    FileText read() const;
    void setStatus(const QString &text, bool isError);
    void updateTitle();

    QLabel *m_title;
    QPushButton *m_save;
    SourceEditor *m_editor;
    QLabel *m_status;
    QString m_path;
    bool m_crlf = false;
    UnsavedChangesPrompt m_prompt;
};

} // namespace QtPyVenvApp
