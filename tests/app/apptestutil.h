// SPDX-License-Identifier: MIT
// Helpers shared by the app tests.
#pragma once

#include "core/environment.h"

#include <QApplication>
#include <QCborValue>
#include <QTest>
#include <QObject>
#include <QTimer>
#include <QWidget>

#include <functional>

namespace AppTestUtil {

/*!
 * Runs \a handle on the first modal dialog of type T to appear, from the event loop of its
 * exec(); polls at a short interval (no fixed wait). \a handle must close the dialog.
 */
template <typename T>
void whenModal(QObject *context, std::function<void(T *)> handle)
{
    auto *poll = new QTimer(context);
    poll->setInterval(5);
    QObject::connect(poll, &QTimer::timeout, context, [poll, handle] {
        if (auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget())) {
            poll->stop();
            poll->deleteLater();
            handle(dialog);
        }
    });
    poll->start();
}

/*!
 * Calls \a function of \a environment with \a args and waits for the outcome: its value, or
 * the error's text when it fails ("timed out" after 15 s).
 */
inline QCborValue callAndWait(QtPyVenvApp::Environment *environment, const QString &function, const QJsonValue &args = {})
{
    using QtPyVenvApp::CallState;
    const int id = environment->call(function, args);
    if (!QTest::qWaitFor([&] { return environment->calls()->record(id)->state != CallState::Running; }, 15000))
        return QStringLiteral("timed out");
    const QtPyVenvApp::CallRecord *record = environment->calls()->record(id);
    return record->state == CallState::Done ? record->result : QCborValue(record->error.toString());
}

} // namespace AppTestUtil
