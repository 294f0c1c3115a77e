// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include "core/outputbuffer.h"

#include <QPointer>
#include <QStringDecoder>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTimer;

namespace QtPyVenvApp {



/*!
 * The Output tab: live stdout (plain), stderr (red) and pip (blue) of the current
 * environment; follow mode, clear, find. Where the library dropped output because the GUI
 * lagged, a line says how much ("… 12.3 MB of stdout dropped …").
 *
 * Bounded however much the worker prints: the environment keeps a bounded OutputBuffer,
 * this view batches arriving output and appends at most MaxFlushBytes per flush
 * (FlushIntervalMs), dropping the older part of a burst, and the document keeps at most
 * MaxBlocks lines and MaxCharacters characters.
 */
class OutputView : public QWidget
{
    Q_OBJECT

public:
    static constexpr int FlushIntervalMs = 50;
    static constexpr qsizetype MaxFlushBytes = 64 * 1024;
    static constexpr int MaxBlocks = 5000;
    static constexpr int MaxCharacters = 2'000'000;

    explicit OutputView(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    //! The text shown, for tests.
    QString text() const;
    QPlainTextEdit *editor() const { return m_editor; }

public Q_SLOTS:
    void clear();
    void findNext();
    void findPrevious();
    void focusFind();

protected:
    void changeEvent(QEvent *event) override;

private:
    void enqueue(OutputStream stream, const QByteArray &data);
    void enqueueDropped(OutputStream stream, qint64 bytes);
    void flush();
    void reload();
    void find(bool backward);

    QPointer<Environment> m_environment;
    QMetaObject::Connection m_outputConnection;
    QMetaObject::Connection m_droppedConnection;
    QMetaObject::Connection m_clearedConnection;
    QPlainTextEdit *m_editor;
    QCheckBox *m_follow;
    QLineEdit *m_find;
    QLabel *m_dropped;
    QTimer *m_flushTimer;
    OutputBuffer m_pending{MaxFlushBytes};
    qint64 m_skippedBytes = 0;
    QStringDecoder m_decoders[3];
};

} // namespace QtPyVenvApp
