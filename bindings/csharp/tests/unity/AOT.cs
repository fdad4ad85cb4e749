// Stands in for UnityEngine's AOT.MonoPInvokeCallbackAttribute, so that run-tests.sh can check
// that the sources compile the way Unity compiles them (UNITY_5_3_OR_NEWER, UNITY_IOS).
namespace AOT
{
    [System.AttributeUsage(System.AttributeTargets.Method)]
    public sealed class MonoPInvokeCallbackAttribute : System.Attribute
    {
        public MonoPInvokeCallbackAttribute(System.Type delegateType) { }
    }
}
