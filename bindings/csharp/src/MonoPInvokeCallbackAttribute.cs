#if !UNITY_5_3_OR_NEWER
using System;

namespace Webraft
{
    /// <summary>
    /// Marks a static method that native code calls back. IL2CPP and Mono's AOT compilers
    /// recognise the attribute by name and generate a reverse P/Invoke wrapper for it.
    /// Unity provides AOT.MonoPInvokeCallbackAttribute, which is used there instead.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        public MonoPInvokeCallbackAttribute(Type delegateType)
        {
            DelegateType = delegateType;
        }

        public Type DelegateType { get; private set; }
    }
}
#endif
